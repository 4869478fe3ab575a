# A Python 3 service (standard library only) asking Latchkey's introspection about every request.
# No cache: a revoked token is refused at once. Run: LATCHKEY_URL=… LATCHKEY_SERVICE_ID=… LATCHKEY_SERVICE_SECRET=… python3 server.py
import base64, json, os, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

URL = os.environ["LATCHKEY_URL"].rstrip("/") + "/oauth/introspect"
BASIC = base64.b64encode(f'{os.environ["LATCHKEY_SERVICE_ID"]}:{os.environ["LATCHKEY_SERVICE_SECRET"]}'.encode()).decode()
RANK = ["browse", "design", "publish", "admin"]

def introspect(token):
    body = urllib.parse.urlencode({"token": token}).encode()
    request = urllib.request.Request(URL, body, {"Authorization": f"Basic {BASIC}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)

class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body, headers={}):
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(json.dumps(body).encode())

    def handle_request(self, needed):
        header = self.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else self.headers.get("Token", "")
        info = introspect(token) if token else {"active": False}
        if not info["active"]:
            return self.answer(401, {"error": "Authentication Failed"}, {"WWW-Authenticate": 'Bearer realm="latchkey"'})
        if RANK.index(info["permission"]) < RANK.index(needed):
            return self.answer(403, {"error": "Insufficient Permission", "required": needed})
        self.answer(200, {"hello": info["username"], "account": info["account_id"]})

    def do_GET(self):
        self.handle_request("browse")

    def do_POST(self):
        self.handle_request("publish")

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "3000"))), Handler)
print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
