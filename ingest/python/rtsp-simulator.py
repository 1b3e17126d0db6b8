#!/usr/bin/python3
"""RTSP side of the camera simulator: N cameras from one process on one port.

Run with Debian's /usr/bin/python3 (GStreamer's RTSP server through gi). Started by the Node simulator
(ingest/src/simulator/rtsp-server.process.ts) under spawnTethered, so it never outlives Node.

Input: the environment variable MINGFANG_RTSP_SIM_CONFIG holds JSON (kept out of argv so that the
credentials do not show in `ps`):
    {"host": "127.0.0.1", "rtspPort": 0, "controlPort": 0,
     "clips": {"<name>": {"main": "<mp4>", "sub": "<mp4>", "fps": 10}},
     "cameras": [{"key": "cam1", "username": "admin", "password": "...", "clip": "<name>", "offset": 0}]}
Port 0 picks a free port. Output: one JSON line on stdout when serving:
    {"event": "ready", "rtspPort": N, "controlPort": M}

Per camera, /<key>/main and /<key>/sub serve H.264 without re-encoding: the clip's access units are read
once into memory (qtdemux ! h264parse) and pushed, one frame per tick of a shared clock, into an appsrc
feeding rtph264pay in a shared media; the frame index wraps round so the loop is seamless (clips are whole
one-second GOPs) and timestamps keep increasing. A new media starts on a keyframe. Each camera starts at
its own offset in the clip, so that the cameras do not all show the same picture.

Authentication: RTSP Basic and Digest with per-camera credentials (two cameras may both have a user
"admin" with different passwords, as real cameras do), checked against the camera named by the URL.

Control: HTTP on 127.0.0.1:controlPort (JSON):
    POST /fault {"key": "cam1", "mode": "stop" | "stall" | "garbage" | "cover" | "shift" | "blur" | "resume"}
    GET  /status     per camera: mode, clients, media, sessions {main, sub} (RTSP sessions playing the
                     path now: PLAY to TEARDOWN or disconnect) and maxSessions (the most at once since start)
  stop:    open connections are closed, new requests get 503 and are closed (the camera is off).
  stall:   connections stay open, no more media data is sent (the frame pump skips the camera).
  garbage: no more media; random bytes are written on every RTSP connection of the camera, and on new ones.
  cover / shift / blur: the camera serves its clip's tampering variant (encoded beside the clip when its
           recipe asks, "variants" in the config: {"<clip>": {"cover": "<clip>--cover", ...}}); 409 if none.
  resume:  back to normal.
"""

import hashlib
import hmac
import json
import os
import random
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

Gst.init(None)

REALM = "mingfang-simulator"
MODES = ("normal", "stop", "stall", "garbage")
# Tampering faults: the camera serves its clip's variant (lens covered, view turned, focus lost).
TAMPER = ("cover", "shift", "blur")


def log(msg):
    sys.stderr.write(f"[rtsp-simulator] {msg}\n")
    sys.stderr.flush()


class Clip:
    """One H.264 file's access units, in memory."""

    def __init__(self, path):
        pipeline = Gst.parse_launch(
            f'filesrc location="{path}" ! qtdemux ! h264parse ! '
            "video/x-h264,stream-format=avc,alignment=au ! appsink name=sink sync=false"
        )
        sink = pipeline.get_by_name("sink")
        pipeline.set_state(Gst.State.PLAYING)
        self.frames = []
        self.keyframe = []
        self.caps = None
        while True:
            sample = sink.emit("pull-sample")
            if sample is None:
                break
            if self.caps is None:
                self.caps = sample.get_caps()
            buf = sample.get_buffer()
            self.frames.append(buf)
            self.keyframe.append(not buf.has_flags(Gst.BufferFlags.DELTA_UNIT))
        pipeline.set_state(Gst.State.NULL)
        if not self.frames or self.caps is None:
            raise RuntimeError(f"no H.264 frames in {path}")
        self.bytes = sum(b.get_size() for b in self.frames)


class Camera:
    def __init__(self, cfg, clips):
        self.key = cfg["key"]
        self.username = cfg["username"]
        self.password = cfg["password"]
        clip = clips[cfg["clip"]]
        self.fps = clip["fps"]
        self.streams = {"main": clip["mainClip"], "sub": clip["subClip"]}
        self.normal_streams = dict(self.streams)
        # effect -> {"main": Clip, "sub": Clip}: the clip's tampering variants, if it has them
        self.variants = {
            effect: {"main": clips[name]["mainClip"], "sub": clips[name]["subClip"]}
            for effect, name in (cfg.get("variants") or {}).items()
            if name in clips
        }
        n = len(self.streams["main"].frames)
        self.offset = int(cfg.get("offset", 0)) % n
        self.mode = "normal"
        # stream name -> list of [appsrc, started]
        self.sources = {"main": [], "sub": []}
        self.clients = set()
        # RTSP sessions playing each path (from PLAY to TEARDOWN or the connection's end), and the most
        # there ever were at once: two ingest nodes pulling one camera would show as 2.
        self.playing = {"main": set(), "sub": set()}
        self.max_playing = {"main": 0, "sub": 0}


class Simulator:
    def __init__(self, config):
        self.host = config.get("host", "127.0.0.1")
        clips = {}
        for name, c in config["clips"].items():
            clips[name] = {"fps": int(c["fps"]), "mainClip": Clip(c["main"]), "subClip": Clip(c["sub"])}
            log(
                f"clip {name}: {len(clips[name]['mainClip'].frames)} frames, "
                f"{clips[name]['mainClip'].bytes + clips[name]['subClip'].bytes} bytes"
            )
        self.cameras = {}
        variants = config.get("variants") or {}
        for cfg in config["cameras"]:
            self.cameras[cfg["key"]] = Camera({**cfg, "variants": variants.get(cfg["clip"], {})}, clips)
        self.client_key = {}
        self.sessions_lock = threading.Lock()

        self.server = GstRtspServer.RTSPServer()
        self.server.set_address(self.host)
        self.server.set_service(str(config.get("rtspPort", 0)))
        self.auth = SimulatorAuth(self)
        self.server.set_auth(self.auth)
        mounts = self.server.get_mount_points()
        for cam in self.cameras.values():
            for stream in ("main", "sub"):
                mounts.add_factory(f"/{cam.key}/{stream}", self.make_factory(cam, stream))
        self.server.connect("client-connected", self.on_client_connected)
        # One thread per client connection: a DESCRIBE that waits for a stalled camera's first frame must
        # not hold up the other cameras' clients (the default pool has a single thread).
        self.server.get_thread_pool().set_max_threads(-1)

        self.tick = 0
        self.started_at = time.monotonic()
        self.period = 1.0 / max(c.fps for c in self.cameras.values()) if self.cameras else 0.1

    # --- media -----------------------------------------------------------------------------------------

    def make_factory(self, cam, stream):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            "( appsrc name=src is-live=true format=time do-timestamp=true min-latency=0 "
            "max-bytes=4000000 leaky-type=downstream "
            "! rtph264pay name=pay0 pt=96 config-interval=-1 aggregate-mode=zero-latency )"
        )
        factory.set_shared(True)
        perms = GstRtspServer.RTSPPermissions()
        perms.add_permission_for_role(cam.key, "media.factory.access", True)
        perms.add_permission_for_role(cam.key, "media.factory.construct", True)
        factory.set_permissions(perms)
        factory.connect("media-configure", self.on_media_configure, cam, stream)
        return factory

    def on_media_configure(self, _factory, media, cam, stream):
        appsrc = media.get_element().get_child_by_name("src")
        appsrc.set_property("caps", cam.streams[stream].caps)
        entry = [appsrc, False]
        cam.sources[stream].append(entry)

        def on_unprepared(_media):
            if entry in cam.sources[stream]:
                cam.sources[stream].remove(entry)

        media.connect("unprepared", on_unprepared)

    def pump(self):
        """One tick: every live camera's appsrcs get their current frame."""
        self.tick += 1
        for cam in self.cameras.values():
            if cam.mode in ("stall", "garbage"):
                if cam.mode == "garbage":
                    self.send_garbage(cam)
                continue
            # A stopped camera's clients are all dropped; the media (if any) is still fed so that a request
            # on its way to a closed socket never waits for a first frame.
            # Cameras with a lower fps than the tick rate skip ticks.
            ticks_per_frame = max(1, round(1.0 / (cam.fps * self.period)))
            if self.tick % ticks_per_frame:
                continue
            for stream, entries in list(cam.sources.items()):
                entries = list(entries)
                if not entries:
                    continue
                clip = cam.streams[stream]
                i = (self.tick // ticks_per_frame + cam.offset) % len(clip.frames)
                for entry in entries:
                    if not entry[1]:
                        if not clip.keyframe[i]:
                            continue
                        entry[1] = True
                    buf = clip.frames[i].copy()
                    buf.pts = Gst.CLOCK_TIME_NONE
                    buf.dts = Gst.CLOCK_TIME_NONE
                    buf.duration = Gst.SECOND // cam.fps
                    entry[0].emit("push-buffer", buf)

    def schedule_pump(self):
        # Absolute schedule: no drift from timer jitter.
        def run():
            self.pump()
            self.schedule_pump()
            return False

        due = self.started_at + (self.tick + 1) * self.period
        delay_ms = max(0, int((due - time.monotonic()) * 1000))
        GLib.timeout_add(delay_ms, run)

    # --- clients and faults ----------------------------------------------------------------------------

    def key_of(self, ctx):
        uri = ctx.uri
        if uri is None or not uri.abspath:
            return None
        parts = [p for p in uri.abspath.split("/") if p]
        return parts[0] if parts and parts[0] in self.cameras else None

    def on_client_connected(self, _server, client):
        for sig in ("options", "describe", "setup", "play", "get-parameter", "set-parameter"):
            client.connect(f"pre-{sig}-request", self.on_pre_request)
        client.connect("pre-play-request", self.on_pre_play)
        client.connect("pre-teardown-request", self.on_pre_teardown)
        client.connect("closed", self.on_client_closed)

    def on_pre_request(self, client, ctx):
        key = self.key_of(ctx)
        if key is None:
            return GstRtsp.RTSPStatusCode.OK
        cam = self.cameras[key]
        if client not in cam.clients:
            cam.clients.add(client)
            self.client_key[client] = key
        if cam.mode == "stop":
            # The camera is off: the connection ends here. (Returning an error status from this signal
            # crashes PyGObject 3.42; the request goes on and fails on the closed socket.)
            self.drop_client(client)
            return GstRtsp.RTSPStatusCode.OK
        if cam.mode == "garbage":
            self.write_junk(client)
        return GstRtsp.RTSPStatusCode.OK

    def on_client_closed(self, client):
        key = self.client_key.pop(client, None)
        if key is not None:
            self.cameras[key].clients.discard(client)
            self.end_sessions(self.cameras[key], client)

    def path_of(self, ctx):
        """(camera, stream) of a request on /<key>/<stream>[/...], else (None, None)."""
        key = self.key_of(ctx)
        parts = [p for p in ctx.uri.abspath.split("/") if p] if key else []
        if len(parts) < 2 or parts[1] not in ("main", "sub"):
            return None, None
        return self.cameras[key], parts[1]

    def on_pre_play(self, client, ctx):
        cam, stream = self.path_of(ctx)
        if cam is not None and cam.mode != "stop":
            with self.sessions_lock:
                cam.playing[stream].add(client)
                cam.max_playing[stream] = max(cam.max_playing[stream], len(cam.playing[stream]))
        return GstRtsp.RTSPStatusCode.OK

    def on_pre_teardown(self, client, ctx):
        cam, _stream = self.path_of(ctx)
        if cam is not None:
            self.end_sessions(cam, client)
        return GstRtsp.RTSPStatusCode.OK

    def end_sessions(self, cam, client):
        with self.sessions_lock:
            for clients in cam.playing.values():
                clients.discard(client)

    def drop_client(self, client):
        """Shuts the client's socket down: its own thread sees the end of the connection and cleans up.
        (GstRTSPClient.close() from another thread than the client's would race with it.)"""
        conn = client.get_connection()
        if conn is None:
            return
        try:
            conn.get_read_socket().shutdown(True, True)
        except GLib.Error:
            pass

    def write_junk(self, client):
        conn = client.get_connection()
        if conn is None:
            return
        sock = conn.get_write_socket()
        try:
            sock.send(random.randbytes(1024), None)
        except GLib.Error:
            pass

    def send_garbage(self, cam):
        for client in list(cam.clients):
            self.write_junk(client)

    def set_fault(self, key, mode):
        cam = self.cameras[key]
        if mode in TAMPER and mode not in cam.variants:
            raise ValueError(f"camera {key} has no '{mode}' variant of its clip")
        was_tampered = cam.mode in TAMPER
        cam.mode = "normal" if mode == "resume" else mode
        if cam.mode in TAMPER or was_tampered:
            # Another picture from the same encoder settings: switch every media to it on a keyframe.
            cam.streams = dict(cam.variants[cam.mode]) if cam.mode in TAMPER else dict(cam.normal_streams)
            for stream, entries in cam.sources.items():
                for entry in entries:
                    entry[0].set_property("caps", cam.streams[stream].caps)
                    entry[1] = False
        if cam.mode == "stop":
            for client in list(cam.clients):
                self.drop_client(client)
        if cam.mode == "normal":
            # Resume on a keyframe, like a camera that starts again.
            for entries in cam.sources.values():
                for entry in entries:
                    entry[1] = False
        log(f"camera {key}: {cam.mode}")

    def status(self):
        return {
            key: {
                "mode": cam.mode,
                "clients": len(cam.clients),
                "media": {s: len(e) for s, e in cam.sources.items()},
                "sessions": {s: len(c) for s, c in cam.playing.items()},
                "maxSessions": dict(cam.max_playing),
            }
            for key, cam in self.cameras.items()
        }


def parse_auth_params(text):
    """key=value, key="value", ... of a Digest Authorization header."""
    params = {}
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i] in " ,":
            i += 1
        eq = text.find("=", i)
        if eq < 0:
            break
        name = text[i:eq].strip().lower()
        i = eq + 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                end = n
            params[name] = text[i + 1 : end]
            i = end + 1
        else:
            end = text.find(",", i)
            if end < 0:
                end = n
            params[name] = text[i:end].strip()
            i = end
    return params


def md5(s):
    return hashlib.md5(s.encode()).hexdigest()  # noqa: S324 - RTSP Digest is MD5 by definition


class SimulatorAuth(GstRtspServer.RTSPAuth):
    """Basic and Digest, checked against the credentials of the camera named in the URL."""

    def __init__(self, sim):
        super().__init__()
        self.sim = sim
        # The challenge is generated by GStreamer (a header added from Python would go to a copy of the
        # response): Digest, as most IP cameras do. Basic sent pre-emptively is accepted too.
        self.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        self.set_realm(REALM)

    def do_authenticate(self, ctx):
        key = self.sim.key_of(ctx)
        if key is None or ctx.request is None:
            return True  # no camera: no token, the request is refused as unauthorized
        cam = self.sim.cameras[key]
        res, value = ctx.request.get_header(GstRtsp.RTSPHeaderField.AUTHORIZATION, 0)
        if res != GstRtsp.RTSPResult.OK or not value:
            return True
        scheme, _, rest = value.partition(" ")
        ok = False
        if scheme.lower() == "basic":
            import base64

            try:
                user, _, password = base64.b64decode(rest.strip()).decode().partition(":")
            except ValueError:
                return True
            ok = hmac.compare_digest(user, cam.username) and hmac.compare_digest(password, cam.password)
        elif scheme.lower() == "digest":
            p = parse_auth_params(rest)
            # The nonce is GStreamer's (see __init__); it is not checked for replay: this is a test peer.
            if p.get("username") != cam.username or not p.get("nonce"):
                return True
            method = ctx.request.parse_request()[1]
            method_name = GstRtsp.rtsp_method_as_text(method)
            ha1 = md5(f"{cam.username}:{p.get('realm', '')}:{cam.password}")
            ha2 = md5(f"{method_name}:{p.get('uri', '')}")
            if "qop" in p:
                want = md5(f"{ha1}:{p['nonce']}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p['qop']}:{ha2}")
            else:
                want = md5(f"{ha1}:{p['nonce']}:{ha2}")
            ok = p.get("realm") == REALM and hmac.compare_digest(want, p.get("response", ""))
        if ok:
            token = GstRtspServer.RTSPToken()
            token.set_string("media.factory.role", key)
            ctx.set_token(token)
        return True


def make_control_handler(sim):
    def on_main(fn):
        """Runs fn in the GLib main loop and waits for its result."""
        done = threading.Event()
        box = {}

        def run():
            try:
                box["result"] = fn()
            except Exception as err:  # noqa: BLE001 - reported to the caller
                box["error"] = err
            done.set()
            return False

        GLib.idle_add(run)
        done.wait(10)
        if "error" in box:
            raise box["error"]
        return box.get("result")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args):
            pass

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            if urllib.parse.urlparse(self.path).path == "/status":
                self.reply(200, {"cameras": on_main(sim.status)})
            else:
                self.reply(404, {"error": "not_found"})

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self.reply(400, {"error": "bad_json"})
            if self.path != "/fault":
                return self.reply(404, {"error": "not_found"})
            key, mode = body.get("key"), body.get("mode")
            if key not in sim.cameras:
                return self.reply(404, {"error": "unknown_camera"})
            if mode not in ("stop", "stall", "garbage", "resume", *TAMPER):
                return self.reply(400, {"error": "bad_mode"})
            if mode in TAMPER and mode not in sim.cameras[key].variants:
                return self.reply(409, {"error": "no_variant"})
            on_main(lambda: sim.set_fault(key, mode))
            return self.reply(200, {"ok": True, "key": key, "mode": mode})

    return Handler


def main():
    config = json.loads(os.environ.pop("MINGFANG_RTSP_SIM_CONFIG"))
    sim = Simulator(config)
    loop = GLib.MainLoop()
    if sim.server.attach(None) == 0:
        log("could not bind the RTSP port")
        sys.exit(2)
    control = ThreadingHTTPServer((sim.host, int(config.get("controlPort", 0))), make_control_handler(sim))
    control.daemon_threads = True
    threading.Thread(target=control.serve_forever, daemon=True).start()
    sim.schedule_pump()

    def stop(*_args):
        loop.quit()

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop)
    print(
        json.dumps({"event": "ready", "rtspPort": sim.server.get_bound_port(), "controlPort": control.server_port}),
        flush=True,
    )
    loop.run()
    control.shutdown()


if __name__ == "__main__":
    main()
