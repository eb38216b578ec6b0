"""The API's routers: chat, articles and admin are versioned; probes, metrics and the widget are not."""

# Each versioned router takes it as its own prefix instead of getting it from `include_router`:
# FastAPI hands the middleware the route as declared on its router, and the request log and the
# metrics label requests with that route's path, which must stay the full `/v1/...` address.
API_PREFIX = "/v1"
