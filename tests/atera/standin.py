#!/usr/bin/env python3
# standin.py: a local Atera REST API for `hmaprun extract atera` (tests/atera/extract.sh).
# It answers from an export folder in the bundled fixture's layout
# (tests/fixtures/atera) and checks every request and every answer against Atera's OpenAPI
# document (atera-openapi.json: Atera's own OpenAPI 3.0.4 document, copied from
# davejlong/PSAtera @0082085 atera-openapi.yaml; sources-atera-smartertrack.md A1) with
# the OpenAPI 3.0 schema validator of oas30.py:
#   - the path is one of the document's GET paths, each query parameter is one the
#     operation declares, with its type (page, itemsInPage: integer, itemsInPage <= 50 as
#     the document says "max is 50"; includeRelations: boolean);
#   - the key arrives as `X-API-KEY` (Atera's live Swagger 2.0, A5) or `Authorization:
#     Bearer` (A1's security scheme), per --auth; else 401;
#   - each answer validates against the operation's 200 schema (the *PagedResult envelope
#     with its items/page/itemsInPage/totalItemCount/totalPages/prevLink/nextLink, bare
#     arrays of CustomValueDto, CustomFieldDto or URL strings, AccountInfoResponse).
# Two departures from the document are allowed, each named in the log with its reason:
#   - null for a member whose schema is a $ref object (OAS 3.0 cannot mark a $ref
#     nullable; ContractDto.HourlyContract is null in every contract of another kind);
#   - AgentDto.LastPatchManagementReceived (bundled fixture, not in A1: AT-12).
# A violation answers 500 and is logged as "VIOLATION"; the test fails on any.
# Attachment files are served at their URL paths: app.atera.com URLs from this server,
# signed blob URLs (with their query) from a second port, which must never see the key
# (one API file answers with a redirect there).
# Variants: --overlap (each page after the first repeats the previous page's last item,
# as a live list that grew does), --throttle N (every Nth request answers 429, with
# Retry-After: 0 on odd ones and none on even ones), --refuse-after N (the key is refused
# from the N+1th request on, as when it is revoked mid-way: what --resume is for).
import argparse, glob, json, os, re, sys, threading, urllib.parse
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from oas30 import Validator   # tests/atera/oas30.py

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--spec", required=True)
ap.add_argument("--key", required=True)
ap.add_argument("--auth", choices=["both", "x-api-key", "bearer"], default="both")
ap.add_argument("--ports", required=True, help="file to write 'API_PORT BLOB_PORT' to")
ap.add_argument("--log", required=True)
ap.add_argument("--overlap", action="store_true")
ap.add_argument("--throttle", type=int, default=0)
ap.add_argument("--refuse-after", type=int, default=0)
ap.add_argument("--time-zone", default="Pacific Standard Time")
args = ap.parse_args()

spec = json.load(open(args.spec))
log = open(args.log, "a", buffering=1)
lock = threading.Lock()
state = {"n": 0}
APP, BLOB = "https://app.atera.com", "https://ateraprod.blob.core.windows.net"


def note(line):
    with lock:
        log.write(line + "\n")


# ---- the document's GET operations, as (regex, template, operation)
ops = []
for tmpl, item in spec["paths"].items():
    if "get" in item:
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(tmpl)) + "$"
        ops.append((re.compile(rx), tmpl, item["get"]))
ops.sort(key=lambda o: o[1].count("{"))   # literal paths before templated ones


def schema_of(op):
    return op["responses"]["200"]["content"]["application/json"]["schema"]


def allowed(err):
    if err.instance is None and err.schema.get("type") == "object" and not err.schema.get("nullable"):
        return "null for a $ref object member (OAS 3.0 cannot mark a $ref nullable)"
    if err.validator == "additionalProperties" and "LastPatchManagementReceived" in err.message \
            and not re.search(r"'(?!LastPatchManagementReceived')[A-Za-z]+' (was|were) unexpected",
                              err.message):
        return "AgentDto.LastPatchManagementReceived (AT-12: in the fixture, not in A1)"
    return None


def validate(tmpl, op, body):
    v = Validator(schema_of(op), spec)
    bad = []
    for e in v.iter_errors(body):
        why = allowed(e)
        path = "/".join(str(p) for p in e.absolute_path)
        if why:
            note("ALLOWED %s %s: %s" % (tmpl, path, why))
        else:
            bad.append("%s: %s" % (path, e.message[:200]))
    note(("VIOLATION answer %s %s" % (tmpl, bad[:3])) if bad else "VALID %s" % tmpl)
    return not bad


def check_query(tmpl, op, query):
    params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
    for name, vals in query.items():
        if name not in params:
            return "query parameter %s not declared for %s" % (name, tmpl)
        t = params[name]["schema"].get("type")
        if t == "integer" and not re.fullmatch(r"-?\d+", vals[0]):
            return "%s is not an integer" % name
        if t == "boolean" and vals[0] not in ("true", "false"):
            return "%s is not a boolean" % name
    if int(query.get("itemsInPage", ["20"])[0]) > 50:
        return "itemsInPage over 50 (the document: max is 50)"
    return None


# ---- the data, from the fixture's layout
D = args.data


def items_of(folder):
    out = []
    for f in sorted(glob.glob(os.path.join(D, folder, "page-*.json"))):
        out += json.load(open(f)).get("items") or []
    return out


def load(rel, default):
    p = os.path.join(D, rel)
    return json.load(open(p)) if os.path.exists(p) else default


def rewrite(url, host, blob):
    return url.replace(APP, host).replace(BLOB, blob)


def page_of(items, query, base):
    page = int(query.get("page", ["1"])[0])
    size = int(query.get("itemsInPage", ["20"])[0])
    total = len(items)
    pages = max(1, -(-total // size))
    start = (page - 1) * size
    if args.overlap and page > 1:
        start -= 1
    chunk = items[max(0, start):(page - 1) * size + size]

    def link(p):
        q = dict((k, v[0]) for k, v in query.items())
        q.update(page=str(p), itemsInPage=str(size))
        return base + "?" + urllib.parse.urlencode(q)
    return {"items": chunk, "page": page, "itemsInPage": size, "totalItemCount": total,
            "totalPages": pages, "prevLink": link(page - 1) if page > 1 else "",
            "nextLink": link(page + 1) if page < pages else ""}


LISTS = {"/api/v3/customers": "customers", "/api/v3/contacts": "contacts",
         "/api/v3/tickets": "tickets", "/api/v3/knowledgebases": "knowledgebases",
         "/api/v3/contracts": "contracts", "/api/v3/agents": "agents", "/api/v3/alerts": "alerts"}


def answer(tmpl, m, query, host, blob):
    if tmpl in LISTS:
        return page_of(items_of(LISTS[tmpl]), query, host + tmpl)
    if tmpl == "/api/v3/account":
        return {"AccountID": "standin", "CompanyName": "MSP Example", "TimeZoneName":
                args.time_zone, "IsITDepartment": False}
    if tmpl == "/api/v3/tickets/{ticketId}/comments":
        return page_of(items_of("tickets/%s/comments" % m.group(1)), query,
                       host + "/api/v3/tickets/%s/comments" % m.group(1))
    if tmpl == "/api/v3/tickets/{ticketId}/workhoursrecords":
        return page_of(items_of("tickets/%s/workhoursrecords" % m.group(1)), query,
                       host + "/api/v3/tickets/%s/workhoursrecords" % m.group(1))
    if tmpl == "/api/v3/tickets/{ticketId}/attachments":
        return [rewrite(u, host, blob) for u in load("tickets/%s/attachments.json" % m.group(1), [])]
    if tmpl == "/api/v3/customvalues/customfields":
        return load("customvalues/customfields.json", [])
    for kind in ("ticketfields", "customerfields", "contactfields"):
        if tmpl == "/api/v3/customvalues/%s/{%s}" % (kind, tmpl.split("{")[-1][:-1]):
            return load("customvalues/%s/%s.json" % (kind, m.group(1)), [])
    return None


def attachment_file(path):
    # /api/v3/tickets/ID/attachments/NAME (API host) or /attachments/ID/NAME (blob host)
    m = re.fullmatch(r"/api/v3/tickets/(\d+)/attachments/(.+)", path) or \
        re.fullmatch(r"/attachments/(\d+)/(.+)", path)
    if not m:
        return None
    f = os.path.join(D, "tickets", m.group(1), "attachments", urllib.parse.unquote(m.group(2)))
    return f if os.path.isfile(f) else None


class Api(BaseHTTPRequestHandler):
    blob = False

    def log_message(self, *a):
        pass

    def send(self, status, body, ctype="application/json", extra=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def key_ok(self):
        x, b = self.headers.get("X-API-KEY"), self.headers.get("Authorization")
        if args.auth in ("both", "x-api-key") and x == args.key:
            return True
        return args.auth in ("both", "bearer") and b == "Bearer " + args.key

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        host = "http://127.0.0.1:%d" % ports[0]
        blob = "http://127.0.0.1:%d" % ports[1]
        if self.blob:
            leaked = self.headers.get("X-API-KEY") or self.headers.get("Authorization")
            f = attachment_file(u.path)
            if leaked:
                note("VIOLATION the blob host was sent the key")
            if not f or "sig=" not in u.query:
                return self.send(404, {"error": "no such blob"})
            note("FILE blob %s" % u.path)
            return self.send(200, open(f, "rb").read(), "application/octet-stream")
        with lock:
            state["n"] += 1
            n = state["n"]
        if args.throttle and n % args.throttle == 0:
            note("THROTTLED %s" % u.path)
            extra = [("Retry-After", "0")] if (n // args.throttle) % 2 else []
            return self.send(429, {"Message": "too many requests"}, extra=extra)
        if args.refuse_after and n > args.refuse_after:
            note("REFUSED %s" % u.path)
            return self.send(401, {"Message": "Authorization has been denied for this request."})
        if not self.key_ok():
            note("UNAUTHORIZED %s" % u.path)
            return self.send(401, {"Message": "Authorization has been denied for this request."})
        f = attachment_file(u.path)
        if f and u.path == "/api/v3/tickets/48215/attachments/memory-dump.png":
            # one file answered by a redirect to the blob host, as storage services do
            note("REDIRECT %s" % u.path)
            self.send_response(302)
            self.send_header("Location", blob + "/attachments/48215/memory-dump.png?sig=r%2B1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if f:
            note("FILE api %s" % u.path)
            return self.send(200, open(f, "rb").read(), "application/octet-stream")
        for rx, tmpl, op in ops:
            m = rx.match(u.path)
            if m:
                break
        else:
            note("VIOLATION request GET %s: not a path of the document" % u.path)
            return self.send(404, {"Message": "not found"})
        query = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        why = check_query(tmpl, op, query)
        if why:
            note("VIOLATION request %s: %s" % (u.path, why))
            return self.send(400, {"Message": why})
        body = answer(tmpl, m, query, host, blob)
        if body is None:
            note("VIOLATION request %s: the stand-in does not serve it" % tmpl)
            return self.send(404, {"Message": "not served"})
        if not validate(tmpl, op, body):
            return self.send(500, {"Message": "answer outside the document"})
        self.send(200, body)


class Blob(Api):
    blob = True


api = ThreadingHTTPServer(("127.0.0.1", 0), Api)
bl = ThreadingHTTPServer(("127.0.0.1", 0), Blob)
ports = (api.server_address[1], bl.server_address[1])
threading.Thread(target=bl.serve_forever, daemon=True).start()
with open(args.ports + ".tmp", "w") as f:
    f.write("%d %d\n" % ports)
os.rename(args.ports + ".tmp", args.ports)
try:
    api.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
