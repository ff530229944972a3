"""Calendar feeds and schedules for apps."""
