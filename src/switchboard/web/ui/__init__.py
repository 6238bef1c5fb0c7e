"""Server-rendered agent pages (Jinja2)."""
