"""What the backend and the window must agree on, defined once: session states and reasons,
field limits, the session-id pattern and how money is written.

Pure Python with no dependencies, so that `backend/` (headless, no Qt) and
`smartcart_desktop/` (which speaks to the backend only over HTTP) can both import it without
importing each other. The wire format itself is the OpenAPI document the backend serves;
tests tie the window's models to it.
"""
