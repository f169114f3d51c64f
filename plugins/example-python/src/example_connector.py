"""The example connector in Python: orders from the Example Shop API (the
fake in plugins/example-go/example/exampletest), read incrementally by
(updated_at, id). It offers Connector and Source, and passes the same
conformance kit as the Go example."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal, InvalidOperation

from supplyhub_plugin import PluginError, log

NAME = "example-python"
VERSION = "1.0.0"
STREAM = "orders"

CONFIG_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Example Shop connection",
    "type": "object",
    "properties": {
        "base_url": {"type": "string", "format": "uri",
                     "description": "Base URL of the shop's API, without the /v1 path."},
        "api_key": {"type": "string", "minLength": 8,
                    "description": "API key from the shop's admin, sent as X-Api-Key."},
        "webhook_secret": {"type": "string",
                           "description": "Unused by this connector (it offers no webhooks); accepted for parity."},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 250, "default": 100,
                      "description": "Orders fetched per request."},
    },
    "required": ["base_url", "api_key"],
    "additionalProperties": False,
}

FINANCIAL = {"pending": "pending", "paid": "paid", "refunded": "refunded", "cancelled": "voided"}


def _config(cfg):
    unknown = sorted(set(cfg) - set(CONFIG_SCHEMA["properties"]))
    if unknown:
        raise PluginError("invalid_input", "example-python: config: unknown properties %s" % ", ".join(unknown))
    base = cfg.get("base_url")
    key = cfg.get("api_key")
    if not isinstance(base, str) or not base.startswith(("http://", "https://")):
        raise PluginError("invalid_input", "example-python: config: base_url is required (an http(s) URL)")
    if not isinstance(key, str) or len(key) < 8:
        raise PluginError("invalid_input", "example-python: config: api_key is required (at least 8 characters)")
    size = cfg.get("page_size", 100)
    if not isinstance(size, int) or not 1 <= size <= 250:
        raise PluginError("invalid_input", "example-python: config: page_size must be 1..250")
    return base.rstrip("/"), key, size


def _get(base, key, path, query=None, attempts=5):
    url = base + path + ("?" + urllib.parse.urlencode(query) if query else "")
    for attempt in range(1, attempts + 1):
        req = urllib.request.Request(url, headers={"X-Api-Key": key, "Accept": "application/json",
                                                   "User-Agent": "supplyhub-example-python/" + VERSION})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            body = e.read(512).decode("utf-8", "replace")
            if e.code in (401, 403):
                raise PluginError("authentication", "example-python: GET %s: %d %s" % (path, e.code, body),
                                  "the shop refused the API key; create a new one in the shop's admin")
            if e.code == 429 or e.code >= 500:
                wait = float(e.headers.get("Retry-After") or 0.05 * 2 ** attempt)
                if attempt < attempts:
                    log("info", "http retry", path=path, status=e.code, wait=wait)
                    time.sleep(wait)
                    continue
                if e.code == 429:
                    raise PluginError("rate_limited", "example-python: GET %s: 429" % path, retry_after=wait)
                raise PluginError("retryable", "example-python: GET %s: %d %s" % (path, e.code, body))
            raise PluginError("invalid_input" if e.code in (400, 422) else "permanent",
                              "example-python: GET %s: %d %s" % (path, e.code, body))
        except (urllib.error.URLError, OSError) as e:
            if attempt < attempts:
                time.sleep(0.05 * 2 ** attempt)
                continue
            raise PluginError("retryable", "example-python: GET %s: %s" % (path, e))


def _money(amount, currency):
    return {"amount": str(amount), "currency": currency}


def _bag(amount, currency):
    return {"shop": _money(amount, currency)}


def map_order(connection, o):
    """Maps an API order to the JSON document of a commerce.Order. Times
    pass through as strings: they carry nanoseconds, which Python's datetime
    would lose."""
    meta = {"source": {"connection": connection, "external_id": o["id"]}, "updated_at": o["updated_at"]}
    if o.get("deleted"):
        meta["deleted"] = True
        return meta
    cur = o["currency"]
    try:
        lines, subtotal = [], Decimal(0)
        for l in o["lines"]:
            price = Decimal(l["unit_price"])
            subtotal += price * l["quantity"]
            lines.append({"external_id": l["id"], "sku": l["sku"], "quantity": l["quantity"],
                          "unit_price": _bag(price, cur), "requires_shipping": True})
        shipping = Decimal(o["shipping"])
    except (InvalidOperation, KeyError, TypeError) as e:
        raise PluginError("invalid_input", "example-python: order %s: %r" % (o.get("id"), e))
    if o["status"] not in FINANCIAL:
        raise PluginError("invalid_input", "example-python: order %s: unknown status %r" % (o["id"], o["status"]))
    doc = dict(meta)
    doc.update({
        "number": "#%d" % o["number"], "created_at": o["created_at"], "currency": cur,
        "financial_status": FINANCIAL[o["status"]], "fulfillment_status": "unfulfilled",
        "lines": lines, "subtotal": _bag(subtotal, cur), "total_discounts": _bag(0, cur),
        "total_shipping": _bag(shipping, cur), "total_tax": _bag(0, cur), "total": _bag(subtotal + shipping, cur),
    })
    if o.get("email"):
        doc["customer"] = {"email": o["email"]}
    if o["status"] == "cancelled":
        doc["cancelled_at"] = o["updated_at"]
    return doc


class Connector:
    def describe(self):
        return {
            "name": NAME, "version": VERSION,
            "description": "Example Shop orders, read by a plugin written in Python.",
            "config_schema": CONFIG_SCHEMA, "secret_fields": ["api_key", "webhook_secret"], "rate_limit_key": "base_url",
            "streams": [{"name": STREAM, "kinds": ["order"], "cursor_field": "updated_at",
                         "description": "Orders, oldest change first; deleted orders come as tombstones."}],
        }

    def check(self, connection, cfg):
        base, key, _ = _config(cfg)
        shop = _get(base, key, "/v1/shop")
        return "shop %r, currency %s" % (shop.get("name"), shop.get("currency")), {"currency": shop.get("currency", "")}

    def read(self, connection, cfg, stream, mode, cursor, ids, active):
        if stream != STREAM:
            raise PluginError("invalid_input", "example-python: unknown stream %r (the connector offers %r)" % (stream, STREAM))
        base, key, size = _config(cfg)
        if ids:
            for i in ids:
                o = _get(base, key, "/v1/orders/" + urllib.parse.quote(i))
                yield ("records", [("order", json.dumps(map_order(connection, o)).encode())])
            return
        if mode == "full" or not cursor:
            cursor = "start"
        if cursor != "start" and "|" not in cursor:
            raise PluginError("invalid_input", "example-python: cursor %r is not <RFC 3339 time>|<order id>" % cursor)
        log("debug", "read started", connection=connection, stream=stream, cursor=cursor)
        n = pages = 0
        while active():
            query = {"limit": size}
            if cursor != "start":
                updated, after_id = cursor.split("|", 1)
                query.update(updated_after=updated, after_id=after_id)
            page = _get(base, key, "/v1/orders", query)
            pages += 1
            orders = page["orders"]
            if orders:
                yield ("records", [("order", json.dumps(map_order(connection, o)).encode()) for o in orders])
                cursor = orders[-1]["updated_at"] + "|" + orders[-1]["id"]
                n += len(orders)
            yield ("checkpoint", cursor)
            yield ("progress", n, pages)
            if not page["has_more"]:
                log("debug", "read finished", records=n, pages=pages, cursor=cursor)
                return
