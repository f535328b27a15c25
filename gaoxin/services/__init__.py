"""Services: one function per use case, shared by the CLI, the web pages, the API and the reports."""
