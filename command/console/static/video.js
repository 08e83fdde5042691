/* Live video tiles (VID-5, VID-11): WebRTC from the service (LAN only, no STUN/TURN), one tile
   per camera. WP.videoTile(cameraId, {label}) returns an element with .start(), .stop() and
   .ready (a promise of the first decoded frame); the tile says why when there is no picture
   (offline camera, no right to watch) and reconnects by itself when the stream drops.
   {playback: session} shows a GB device's recording played back (POST /api/cameras/ID/device-playback)
   instead of the live view; it plays once: when it stops it says so rather than calling up again.
   Digital zoom: wheel to zoom, drag to pan, double-click to reset. */
(function () {
  "use strict";
  const el = WP.el;
  WP.i18n.add({
    zh: { "video.connecting": "连接中…", "video.offline": "摄像机离线", "video.denied": "无权查看", "video.retry": "重连中…",
      "video.fullscreen": "全屏",
      "video.stalled": "画面中断，重连中…", "video.nopicture": "摄像机无画面，重连中…", "video.ended": "回放已结束" },
    en: { "video.connecting": "Connecting…", "video.offline": "Camera offline", "video.denied": "Not allowed",
      "video.retry": "Reconnecting…", "video.fullscreen": "Full screen",
      "video.stalled": "Picture stopped; reconnecting…", "video.nopicture": "No picture from the camera; reconnecting…",
      "video.ended": "Playback ended" },
  });

  const STALL_MS = 5000, CONNECT_MS = 10000;  // no new picture for this long: say so, call up again

  WP.videoTile = function (cameraId, opts) {
    opts = opts || {};
    const video = el("video", { autoplay: true, muted: true, playsinline: true, class: "live-video" });
    video.muted = true;
    const note = el("div", { class: "tile-note", text: WP.t("video.connecting") });
    const label = el("div", { class: "tile-label", text: opts.label || cameraId });
    const full = el("button", { class: "linkbtn tile-full", title: WP.t("video.fullscreen"),
      onclick: () => (tile.requestFullscreen ? tile.requestFullscreen() : null) }, WP.icon("fullscreen"));
    const tile = el("div", { class: "tile", "data-camera": cameraId, "data-state": "connecting" }, video, note, label, full);
    let pc = null, stopped = false, timer = null, resolveReady;
    tile.ready = new Promise((r) => { resolveReady = r; });
    const say = (state, text) => { tile.dataset.state = state; note.textContent = text || ""; note.hidden = !text; };

    async function connect() {
      if (stopped) return;
      say("connecting", WP.t("video.connecting"));
      lastFrameAt = performance.now();
      pc = new RTCPeerConnection({ iceServers: [] });
      pc.addTransceiver("video", { direction: "recvonly" });
      pc.ontrack = (ev) => { video.srcObject = ev.streams[0] || new MediaStream([ev.track]); };
      pc.onconnectionstatechange = () => {
        if (["failed", "disconnected", "closed"].includes(pc.connectionState) && !stopped) retry();
      };
      try {
        // The offer goes without waiting for ICE gathering (~120 ms): the service reaches no
        // candidate of ours anyway (mDNS-hidden), it answers with its own and learns our address
        // from our checks (command/live/hub.py without_mdns).
        await pc.setLocalDescription(await pc.createOffer());
        const q = opts.playback ? `?playback=${encodeURIComponent(opts.playback)}` : "";
        const ans = await WP.api(`/api/live/${encodeURIComponent(cameraId)}/offer${q}`, { method: "POST",
          body: { type: "offer", sdp: pc.localDescription.sdp } });
        await pc.setRemoteDescription({ type: "answer", sdp: ans.sdp });
        tile.dataset.passthrough = ans.status && ans.status.passthrough ? "1" : "0";
      } catch (e) {
        if (e.status === 403) { say("denied", `${WP.t("video.denied")}: ${e.message}`); return; }
        if (e.status === 404 || e.status === 409 || e.status === 422) { say("unavailable", e.message); return; }  // retrying cannot help
        say("offline", `${WP.t("video.offline")}: ${e.message}`);
        retry();
      }
    }
    function retry() {
      if (pc) { try { pc.close(); } catch (e) { /* gone */ } pc = null; }
      // A playback's session is gone once it stops (file end, or the worker ended it): asking again cannot help.
      if (opts.playback && !stopped) { stopped = true; clearInterval(watchdog); say("offline", WP.t("video.ended")); return; }
      if (stopped || timer) return;
      timer = setTimeout(() => { timer = null; connect(); }, 3000);
      if (tile.dataset.state !== "offline") say("retry", WP.t("video.retry"));
    }
    // Frames are counted as the browser paints them; a tile whose picture stops for STALL_MS
    // (the camera went away mid-stream: the peer connection itself may stay up) says so and
    // calls up again until the camera is back.
    let lastFrameAt = 0, painted = 0;
    const onFrame = () => {
      lastFrameAt = performance.now();
      painted += 1;
      if (tile.dataset.state !== "playing") say("playing", "");
      resolveReady(lastFrameAt);
      if (!stopped) watchFrames();
    };
    function watchFrames() {
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onFrame);
      else video.addEventListener("timeupdate", onFrame, { once: true });
    }
    watchFrames();
    const watchdog = setInterval(() => {
      if (stopped) { clearInterval(watchdog); return; }
      // A hidden tab paints nothing: that is not a stalled camera.
      if (document.visibilityState === "hidden") { lastFrameAt = performance.now(); return; }
      const quiet = performance.now() - lastFrameAt, state = tile.dataset.state;
      if ((state === "playing" && quiet > STALL_MS) || (state === "connecting" && quiet > CONNECT_MS)) {
        say("offline", WP.t(state === "playing" ? "video.stalled" : "video.nopicture"));
        retry();
      }
    }, 1000);

    // Digital zoom on any tile: wheel zooms about the pointer, drag pans, double-click resets.
    let scale = 1, ox = 0, oy = 0, drag = null;
    const apply = () => { video.style.transform = `translate(${ox}px, ${oy}px) scale(${scale})`; tile.dataset.zoom = scale.toFixed(2); };
    tile.addEventListener("wheel", (e) => { e.preventDefault(); scale = Math.min(8, Math.max(1, scale * (e.deltaY < 0 ? 1.2 : 1 / 1.2))); if (scale === 1) { ox = oy = 0; } apply(); }, { passive: false });
    tile.addEventListener("mousedown", (e) => { if (scale > 1) drag = { x: e.clientX - ox, y: e.clientY - oy }; });
    window.addEventListener("mouseup", () => { drag = null; });
    tile.addEventListener("mousemove", (e) => { if (drag) { ox = e.clientX - drag.x; oy = e.clientY - drag.y; apply(); } });
    tile.addEventListener("dblclick", () => { scale = 1; ox = oy = 0; apply(); });

    tile.start = () => { stopped = false; connect(); return tile; };
    tile.painted = () => painted;
    tile.setLabel = (text) => { label.textContent = text; };
    tile.stop = () => { stopped = true; clearInterval(watchdog); clearTimeout(timer); timer = null; if (pc) pc.close(); pc = null; video.srcObject = null; };
    tile.frames = () => (video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality().totalVideoFrames : 0);
    tile.video = video;
    tile.stats = async () => {  // the inbound video's counters (frames received and decoded, decoder...)
      if (!pc) return null;
      for (const r of (await pc.getStats()).values()) if (r.type === "inbound-rtp" && r.kind === "video") return r;
      return null;
    };
    return tile;
  };
})();
