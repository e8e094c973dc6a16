// The bpio control panel: renders the engine's live channel (docs/PANEL.md) and sends its commands.
// No framework, no build step; served by the engine under a strict Content-Security-Policy.
"use strict";

(() => {
  const LOG_LINES = 300;
  const MAX_BACKOFF_MS = 10000;

  const $ = (id) => document.getElementById(id);
  const dom = {
    main: $("main"),
    lost: $("lost"),
    conn: $("conn"),
    status: $("status"),
    stopAll: $("stop-all"),
    serverName: $("server-name"),
    clientsUrl: $("clients-url"),
    clients: $("clients"),
    clientsNone: $("clients-none"),
    scan: $("scan"),
    scanState: $("scan-state"),
    devices: $("devices"),
    devicesNone: $("devices-none"),
    log: $("log"),
  };

  // Builds an element: h("p", {className: "x", "aria-label": "y"}, child, "text", ...).
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key in node && !key.includes("-")) node[key] = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child);
    }
    return node;
  }

  // ---- State ----

  let scanning = false;
  const devices = new Map(); // index -> { data, card }
  const sliders = new Map(); // "device/feature/type" -> slider state
  const readings = new Map(); // "device/feature/type" -> element showing the reading
  // id -> { what, key, done, value }: what was asked, the slider it came from and the value it
  // asked for, the news when it succeeds
  const commands = new Map();
  let nextId = 1;

  let ws = null;
  let online = false;
  let backoff = 1000;
  let retryTimer = null;
  let lastFocus = null; // the control focused when the channel closed, focused again at hello

  const outKey = (device, feature, type) => `${device}/${feature}/${type}`;
  const deviceName = (d) => d.display_name || d.name;

  // ---- The live channel ----

  function liveUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const token = new URLSearchParams(location.search).get("token");
    const query = token === null ? "" : `?token=${encodeURIComponent(token)}`;
    return `${scheme}//${location.host}/live${query}`;
  }

  function connect() {
    retryTimer = null;
    setConn("wait", "Connecting…");
    let socket;
    try {
      socket = new WebSocket(liveUrl());
    } catch (err) {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("message", (event) => {
      if (socket !== ws) return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      handle(msg);
    });
    socket.addEventListener("close", () => {
      if (socket !== ws) return;
      ws = null;
      setOnline(false);
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (retryTimer !== null) return;
    const delay = backoff;
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    setConn("down", `Disconnected. Retrying in ${delay / 1000} s…`);
    dom.lost.hidden = false;
    retryTimer = setTimeout(connect, delay);
  }

  function setConn(kind, text) {
    dom.conn.className = `conn conn-${kind}`;
    dom.conn.textContent = text;
  }

  function setOnline(value) {
    online = value;
    dom.main.classList.toggle("offline", !value);
    dom.stopAll.disabled = !value;
    dom.scan.disabled = !value;
    for (const control of dom.devices.querySelectorAll("input, button")) control.disabled = !value;
    if (!value) {
      lastFocus = document.activeElement && document.activeElement.id;
      commands.clear();
      for (const s of sliders.values()) s.pending = 0;
    }
  }

  function send(what, msg, key, done) {
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      showStatus(`Not connected: ${what} was not sent.`, true);
      return false;
    }
    const id = nextId++;
    commands.set(id, { what, key, done, value: msg.value });
    ws.send(JSON.stringify({ ...msg, id }));
    return true;
  }

  // Errors stay until the next message; other news goes after a few seconds.
  let statusTimer = null;
  function showStatus(text, isError) {
    clearTimeout(statusTimer);
    dom.status.textContent = text;
    dom.status.classList.toggle("error", Boolean(isError));
    if (!isError) statusTimer = setTimeout(() => { dom.status.textContent = ""; }, 5000);
  }

  // ---- Messages from the engine ----

  function handle(msg) {
    switch (msg.type) {
      case "hello":
        return hello(msg);
      case "client_connected":
        return addClient(msg.client);
      case "client_disconnected":
        return removeClient(msg.id);
      case "scanning":
        return setScanning(msg.scanning);
      case "device_added":
        return addDevice(msg.device);
      case "device_removed":
        return removeDevice(msg.index);
      case "output":
        return setOutput(msg.device, msg.feature, msg.output, msg.value);
      case "input":
        return setInput(msg.device, msg.feature, msg.input, msg.value);
      case "log":
        return addLog([msg.line]);
      case "reply":
        return reply(msg);
      default:
        return undefined;
    }
  }

  function hello(msg) {
    const focused = (document.activeElement && document.activeElement.id) || lastFocus;
    backoff = 1000;
    setConn("up", "Connected");
    dom.lost.hidden = true;
    const server = msg.server || {};
    dom.serverName.textContent = server.name || "—";
    dom.clientsUrl.replaceChildren(
      server.clients_url
        ? h("code", {}, server.clients_url)
        : "None: the engine connects out to its client.",
    );
    dom.clients.replaceChildren();
    for (const client of msg.clients || []) addClient(client);
    updateClients();
    setScanning(Boolean(msg.scanning));
    devices.clear();
    sliders.clear();
    readings.clear();
    dom.devices.replaceChildren();
    for (const device of msg.devices || []) addDevice(device);
    updateDevices();
    dom.log.replaceChildren();
    addLog(msg.log || []);
    dom.log.scrollTop = dom.log.scrollHeight;
    setOnline(true);
    if (focused && $(focused)) $(focused).focus();
  }

  function addClient(client) {
    removeClient(client.id);
    dom.clients.append(
      h("li", { id: `client-${client.id}` }, client.name || "(unnamed)", " ",
        h("span", { className: "tag" }, `spec ${client.version}`)),
    );
    updateClients();
  }

  function removeClient(id) {
    const item = $(`client-${id}`);
    if (item) item.remove();
    updateClients();
  }

  function updateClients() {
    const any = dom.clients.children.length > 0;
    dom.clients.hidden = !any;
    dom.clientsNone.hidden = any;
  }

  function setScanning(value) {
    scanning = Boolean(value);
    dom.scan.textContent = scanning ? "Stop scanning" : "Start scanning";
    dom.scanState.textContent = scanning ? "Scanning for devices…" : "Not scanning.";
    dom.scanState.classList.toggle("live", scanning);
  }

  function addDevice(d) {
    removeDevice(d.index);
    const card = renderDevice(d);
    devices.set(d.index, { data: d, card });
    const after = [...devices.keys()].filter((i) => i > d.index).sort((a, b) => a - b)[0];
    dom.devices.insertBefore(card, after === undefined ? null : devices.get(after).card);
    updateDevices();
  }

  function removeDevice(index) {
    const entry = devices.get(index);
    if (!entry) return;
    entry.card.remove();
    devices.delete(index);
    for (const key of [...sliders.keys()]) if (key.startsWith(`${index}/`)) sliders.delete(key);
    for (const key of [...readings.keys()]) if (key.startsWith(`${index}/`)) readings.delete(key);
    updateDevices();
  }

  function updateDevices() {
    dom.devicesNone.hidden = devices.size > 0;
  }

  function setOutput(device, feature, type, value) {
    const s = sliders.get(outKey(device, feature, type));
    if (!s) return;
    s.level = value;
    sync(s);
  }

  function setInput(device, feature, type, value) {
    const node = readings.get(outKey(device, feature, type));
    if (node) node.textContent = formatReading(type, value);
  }

  function reply(msg) {
    const command = commands.get(msg.id);
    commands.delete(msg.id);
    if (command && command.key) {
      const s = sliders.get(command.key);
      if (s) {
        s.pending = Math.max(0, s.pending - 1);
        // The last of its commands took: that is the level now, whether the engine's `output` for
        // it came before this reply, comes after it, or does not come to the panel at all.
        if (s.pending === 0 && !msg.error) s.level = command.value;
        sync(s);
      }
    }
    if (msg.error) {
      const what = command ? command.what : "A command";
      showStatus(`${what} failed: ${msg.error}`, true);
    } else if (command && command.done) {
      showStatus(command.done, false);
    }
  }

  function addLog(lines) {
    const atEnd = dom.log.scrollHeight - dom.log.scrollTop - dom.log.clientHeight < 24;
    for (const line of lines) dom.log.append(h("li", {}, line));
    while (dom.log.children.length > LOG_LINES) dom.log.firstElementChild.remove();
    if (atEnd) dom.log.scrollTop = dom.log.scrollHeight;
  }

  // ---- Devices ----

  function formatReading(type, value) {
    if (value === null || value === undefined) return "no reading yet";
    if (type === "Battery") return `${value} %`;
    if (type === "Rssi") return `${value} dBm`;
    return String(value);
  }

  function renderDevice(d) {
    const name = deviceName(d);
    const features = d.features || [];
    const typeCount = new Map();
    for (const f of features) {
      for (const o of f.outputs || []) typeCount.set(o.type, (typeCount.get(o.type) || 0) + 1);
    }

    const meta = h("ul", { className: "meta" }, h("li", {}, d.transport || "Unknown transport"));
    if (d.display_name && d.display_name !== d.name) meta.append(h("li", {}, d.name));
    const outputs = h("div", { className: "outputs" });
    const inputs = h("ul", { className: "inputs" });

    for (const f of features) {
      for (const o of f.outputs || []) {
        const suffix = typeCount.get(o.type) > 1 ? ` ${f.index}` : "";
        outputs.append(renderOutput(d, f, o, name, suffix));
      }
      for (const i of f.inputs || []) {
        const key = outKey(d.index, f.index, i.type);
        const value = h("span", { className: "reading" }, formatReading(i.type, i.reading));
        readings.set(key, value);
        if (i.type === "Battery" || i.type === "Rssi") {
          const label = i.type === "Battery" ? "Battery" : "Signal";
          meta.append(h("li", {}, `${label} `, value));
        } else {
          const label = `${f.description || i.type} (${i.type})`;
          inputs.append(h("li", {}, h("span", { className: "in-name" }, label), " ", value));
        }
      }
    }

    const headingId = `dev-${d.index}-h`;
    const stop = h("button", { type: "button", className: "stop", disabled: !online },
      "Stop", h("span", { className: "vh" }, ` ${name}`));
    stop.addEventListener("click", () => {
      send(`Stop ${name}`, { type: "stop_device", device: d.index }, null, `${name} stopped.`);
    });
    const hasOutputs = outputs.children.length > 0;
    const hasInputs = inputs.children.length > 0;
    return h("article", { className: "card device", "aria-labelledby": headingId },
      h("div", { className: "device-head" },
        h("h3", { id: headingId }, `${name} `, h("span", { className: "idx" }, `#${d.index}`)),
        stop),
      meta,
      hasOutputs ? outputs : null,
      hasInputs ? h("h4", { className: "sub" }, "Readings") : null,
      hasInputs ? inputs : null,
      hasOutputs || hasInputs ? null : h("p", { className: "muted" }, "No outputs or inputs."));
  }

  function renderOutput(d, f, o, name, suffix) {
    const key = outKey(d.index, f.index, o.type);
    const id = `out-${d.index}-${f.index}-${o.type}`;
    const input = h("input", {
      type: "range", id, min: o.min, max: o.max, step: 1, value: o.level, disabled: !online,
      "aria-describedby": `${id}-v`,
    });
    input.value = String(o.level); // after min/max, so it is not clamped to the default range
    const text = h("span", { id: `${id}-v`, className: "level" });
    const s = { input, text, max: o.max, level: o.level, pending: 0, dragging: false };
    sliders.set(key, s);
    showLevel(s, o.level);

    input.addEventListener("pointerdown", () => { s.dragging = true; });
    input.addEventListener("input", () => {
      const value = Number(input.value);
      showLevel(s, value);
      const msg = { type: "output", device: d.index, feature: f.index, output: o.type, value };
      if (send(`Setting ${name} ${o.type}${suffix}`, msg, key)) s.pending += 1;
      input.dataset.pending = String(s.pending);
    });

    return h("div", { className: "output" },
      h("label", { htmlFor: id }, h("span", { className: "vh" }, `${name} `), `${o.type}${suffix}`),
      input, text);
  }

  function showLevel(s, value) {
    s.text.textContent = `${value} / ${s.max}`;
  }

  // A slider follows the engine's level unless a pointer is dragging it or its own commands are
  // still unanswered (their echoes would otherwise pull it back while the user is moving it).
  function sync(s) {
    s.input.dataset.pending = String(s.pending);
    if (s.dragging || s.pending > 0) return;
    s.input.value = String(s.level);
    showLevel(s, s.level);
  }

  function endDrag() {
    for (const s of sliders.values()) {
      if (s.dragging) {
        s.dragging = false;
        sync(s);
      }
    }
  }
  window.addEventListener("pointerup", endDrag);
  window.addEventListener("pointercancel", endDrag);

  // ---- Controls ----

  dom.stopAll.addEventListener("click", () => {
    send("Stop all", { type: "stop_all" }, null, "All devices stopped.");
  });
  dom.scan.addEventListener("click", () => {
    const want = !scanning;
    send(want ? "Start scanning" : "Stop scanning", { type: "scan", scanning: want });
  });

  connect();
})();
