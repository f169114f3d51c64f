"""A minimal Supplyhub plugin runtime for Python, over the same protocol
(supplyhub.connector.v1, hashicorp/go-plugin over gRPC) as the Go SDK.

serve(connector) does what sdk.Serve does in Go: it checks the magic cookie,
negotiates AutoMTLS with the host, serves the Connector service and, when the
connector has a read() method, the Source service, plus the gRPC health and
go-plugin controller services, and prints the handshake line. Logs go to
stderr as hclog JSON lines, which the host re-logs with the plugin's name.

A connector is an object with:
  describe() -> dict            the manifest (see sdk.Manifest)
  check(connection, config) -> (message, details)
  read(connection, config, stream, mode, cursor, ids) -> iterator of
      ("records", [(kind, json_bytes), ...]) | ("checkpoint", cursor)
      | ("progress", records, pages)
Errors are raised as PluginError(kind, message, detail, retry_after_seconds).
"""

import base64
import datetime
import json
import os
import signal
import sys
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import any_pb2

from supplyhub.connector.v1 import connector_pb2 as pb
from supplyhub.connector.v1 import connector_pb2_grpc as pb_grpc

# The handshake of every Supplyhub plugin (sdk/grpcplugin): never changes.
MAGIC_COOKIE_KEY = "SUPPLYHUB_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d6c1b5a0e1f2c0de9a7a4c1e8b3f5d20supplyhub"
PROTOCOL_VERSION = 1
SDK_ID = "supplyhub-python/1"

# Records per Read message, as the Go SDK batches them.
MAX_BATCH = 500

_STDERR = sys.stderr
_LOG_LOCK = threading.Lock()
_LEVELS = {"trace": 0, "debug": 1, "info": 2, "warn": 3, "error": 4}
_MIN_LEVEL = _LEVELS.get(os.environ.get("SUPPLYHUB_PLUGIN_LOG_LEVEL", "info").lower(), 2)


def log(level, message, **fields):
    """Writes one hclog JSON line to stderr."""
    if _LEVELS.get(level, 2) < _MIN_LEVEL:
        return
    entry = {
        "@level": level,
        "@message": message,
        "@timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
    }
    entry.update(fields)
    with _LOG_LOCK:
        _STDERR.write(json.dumps(entry) + "\n")
        _STDERR.flush()


class PluginError(Exception):
    """An error the host acts on: kind is authentication, rate_limited,
    retryable, permanent, invalid_input or not_implemented."""

    CODES = {
        "unknown": grpc.StatusCode.UNKNOWN,
        "authentication": grpc.StatusCode.UNAUTHENTICATED,
        "rate_limited": grpc.StatusCode.RESOURCE_EXHAUSTED,
        "retryable": grpc.StatusCode.UNAVAILABLE,
        "permanent": grpc.StatusCode.FAILED_PRECONDITION,
        "invalid_input": grpc.StatusCode.INVALID_ARGUMENT,
        "not_implemented": grpc.StatusCode.UNIMPLEMENTED,
    }

    def __init__(self, kind, message, detail="", retry_after=0.0):
        super().__init__(message)
        self.kind = kind if kind in self.CODES else "unknown"
        self.message = message
        self.detail = detail
        self.retry_after = retry_after


def _abort(context, err):
    """Fails the call with err as a gRPC status whose details carry an Error
    message, built as google.rpc.Status (RPCStatus has its wire format)."""
    code = PluginError.CODES[err.kind]
    detail = pb.Error(kind=err.kind, message=err.message, detail=err.detail)
    if err.retry_after:
        detail.retry_after.FromNanoseconds(int(err.retry_after * 1e9))
    packed = any_pb2.Any()
    packed.Pack(detail)
    text = err.message + (" (" + err.detail + ")" if err.detail else "")
    status = pb.RPCStatus(code=code.value[0], message=text, details=[packed])
    context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
    context.abort(code, text)


def _guard(context, fn):
    try:
        return fn()
    except PluginError as e:
        _abort(context, e)
    except Exception as e:  # a bug in the connector: the host retries unknown errors
        log("error", "connector failed", error=repr(e))
        _abort(context, PluginError("unknown", "%s: %s" % (type(e).__name__, e)))


class _Connector(pb_grpc.ConnectorServicer):
    def __init__(self, impl, capabilities):
        self.impl = impl
        self.capabilities = capabilities

    def Describe(self, request, context):
        def run():
            m = self.impl.describe()
            manifest = pb.Manifest(
                name=m["name"], version=m["version"], description=m["description"],
                capabilities=self.capabilities,
                config_schema=json.dumps(m["config_schema"]).encode(),
                secret_fields=m.get("secret_fields", []), rate_limit_key=m.get("rate_limit_key", ""),
                sdk=SDK_ID)
            for s in m.get("streams", []):
                manifest.streams.add(name=s["name"], kinds=s["kinds"], cursor_field=s.get("cursor_field", ""),
                                     description=s.get("description", ""))
            return pb.DescribeResponse(manifest=manifest)
        return _guard(context, run)

    def Check(self, request, context):
        def run():
            message, details = self.impl.check(request.connection, _config(request.config))
            return pb.CheckResponse(message=message, details=details or {})
        return _guard(context, run)


class _Source(pb_grpc.SourceServicer):
    def __init__(self, impl):
        self.impl = impl

    def Read(self, request, context):
        batch = []

        def flush():
            if batch:
                msg = pb.ReadResponse(records=pb.RecordBatch(records=[pb.Record(kind=k, json=j) for k, j in batch]))
                batch.clear()
                return [msg]
            return []

        try:
            events = self.impl.read(request.connection, _config(request.config), request.stream, request.mode,
                                    request.cursor, list(request.ids), context.is_active)
            for ev in events:
                if not context.is_active():
                    return
                if ev[0] == "records":
                    batch.extend(ev[1])
                    if len(batch) >= MAX_BATCH:
                        yield from flush()
                elif ev[0] == "checkpoint":
                    yield from flush()
                    yield pb.ReadResponse(checkpoint=pb.Checkpoint(cursor=ev[1]))
                elif ev[0] == "progress":
                    yield from flush()
                    yield pb.ReadResponse(progress=pb.Progress(records=ev[1], pages=ev[2]))
            yield from flush()
        except PluginError as e:
            _abort(context, e)
        except Exception as e:
            log("error", "read failed", error=repr(e))
            _abort(context, PluginError("unknown", "%s: %s" % (type(e).__name__, e)))


def _config(raw):
    if not raw:
        return {}
    try:
        cfg = json.loads(raw)
    except ValueError as e:
        raise PluginError("invalid_input", "config is not JSON: %s" % e)
    if not isinstance(cfg, dict):
        raise PluginError("invalid_input", "config must be a JSON object")
    return cfg


def _health_check(request, context):
    # grpc.health.v1.HealthCheckResponse{status: SERVING}, encoded by hand
    # so that no extra package is needed.
    return b"\x08\x01"


def _auto_mtls(client_cert_pem):
    """Makes a one-time server certificate for go-plugin's AutoMTLS and
    returns (server credentials, base64 DER of the certificate)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Supplyhub plugin")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=True, key_cert_sign=True,
                                         content_commitment=False, data_encipherment=False, key_agreement=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    creds = grpc.ssl_server_credentials([(key_pem, cert_pem)], root_certificates=client_cert_pem.encode(),
                                        require_client_auth=True)
    der = cert.public_bytes(serialization.Encoding.DER)
    return creds, base64.b64encode(der).decode().rstrip("=")


def _exit_with_parent(ppid, done):
    """Stops serving once the host process is gone (killed without shutting
    its plugins down): plugins run in a process group of their own, so
    nothing else would stop this one."""
    if ppid <= 1:
        return
    while not done.wait(1.0):
        if os.getppid() != ppid:
            done.set()  # first: the log below may fail, its pipe's reader is gone
            try:
                log("warn", "the host process is gone; exiting")
            except OSError:
                pass
            return


def serve(impl):
    """Runs impl as a plugin process until the host shuts it down."""
    if os.environ.get(MAGIC_COOKIE_KEY) != MAGIC_COOKIE_VALUE:
        sys.stderr.write("This binary is a Supplyhub plugin. It is not meant to be run by hand:\n"
                         "the gateway launches it from its plugins directory.\n")
        sys.exit(1)
    versions = [v for v in os.environ.get("PLUGIN_PROTOCOL_VERSIONS", str(PROTOCOL_VERSION)).split(",") if v]
    if str(PROTOCOL_VERSION) not in versions:
        log("warn", "the host does not offer this plugin's protocol version", host=versions, plugin=PROTOCOL_VERSION)

    capabilities = ["source"] if hasattr(impl, "read") else []
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.max_receive_message_length", 64 << 20),
                                  ("grpc.max_send_message_length", 64 << 20)])
    pb_grpc.add_ConnectorServicer_to_server(_Connector(impl, capabilities), server)
    if "source" in capabilities:
        pb_grpc.add_SourceServicer_to_server(_Source(impl), server)

    done = threading.Event()

    def shutdown(request, context):
        done.set()
        return b""

    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
            "Check": grpc.unary_unary_rpc_method_handler(_health_check)}),
        grpc.method_handlers_generic_handler("plugin.GRPCController", {
            "Shutdown": grpc.unary_unary_rpc_method_handler(shutdown)}),
    ))

    client_cert = os.environ.get("PLUGIN_CLIENT_CERT", "")
    cert_field = ""
    if client_cert:
        creds, cert_field = _auto_mtls(client_cert)
        port = server.add_secure_port("127.0.0.1:0", creds)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host stops plugins through Shutdown
    log("debug", "plugin address", network="tcp", address="127.0.0.1:%d" % port)
    sys.stdout.write("1|%d|tcp|127.0.0.1:%d|grpc|%s\n" % (PROTOCOL_VERSION, port, cert_field))
    sys.stdout.flush()
    threading.Thread(target=_exit_with_parent, args=(os.getppid(), done), daemon=True).start()
    done.wait()
    server.stop(grace=0.5).wait(1)
    log("debug", "plugin shut down")
    time.sleep(0.05)
