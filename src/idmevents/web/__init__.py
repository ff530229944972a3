"""The web layer: Litestar controllers, forms and middleware, above every domain."""
