"""The organizers' shell: the admin navigation and the dashboard that other admin pages sit beside."""
