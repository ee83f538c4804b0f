// The admin console: one page over the server API (src/api.js). Everything live is polled (a second or two):
// every view works on any node and through any balancer, and a stopped poll costs nothing.
import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import { ApiError, call } from "./api.js";

const KEY_STORE = "rtnet-admin-key";

function usePoll(fn, ms, deps) {
  useEffect(() => {
    let alive = true;
    let timer;
    const run = async () => {
      try {
        await fn(() => alive);
      } catch (e) {
        /* shown by the view that failed */
      }
      if (alive) timer = setTimeout(run, ms);
    };
    run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, deps);
}

function Login({ onKey }) {
  const [error, setError] = useState("");
  const submit = async (event) => {
    event.preventDefault();
    const key = new FormData(event.target).get("key").trim();
    try {
      await call(key, "key.info");
      sessionStorage.setItem(KEY_STORE, key);
      onKey(key);
    } catch (e) {
      if (e.status === 401) setError("Wrong key: no key of this gateway matches it.");
      else if (e.status === 403) setError("This key lacks the admin scope.");
      else setError(`The gateway refused: ${e.message}`);
    }
  };
  return (
    <form class="login" onSubmit={submit} data-testid="login">
      <h1>RealtimeNet admin</h1>
      <label>
        API key with the admin scope
        <input name="key" type="password" autocomplete="off" required data-testid="login-key" />
      </label>
      <button type="submit" data-testid="login-submit">Log in</button>
      {error && <p class="error" data-testid="login-error">{error}</p>}
    </form>
  );
}

function ago(seconds) {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

function Chart({ nodes }) {
  const box = useRef(null);
  const plot = useRef(null);
  useEffect(() => {
    const byTime = new Map();
    for (const node of nodes) {
      let previous = null;
      for (const s of node.samples) {
        const t = Math.round(s.at / 5) * 5;
        const entry = byTime.get(t) || { connections: 0, inRate: 0, outRate: 0 };
        entry.connections += s.connections;
        if (previous) {
          const dt = s.at - previous.at || 1;
          entry.inRate += Math.max(0, (s.frames_in - previous.frames_in) / dt);
          entry.outRate += Math.max(0, (s.frames_out - previous.frames_out) / dt);
        }
        byTime.set(t, entry);
        previous = s;
      }
    }
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const data = [
      times,
      times.map((t) => byTime.get(t).connections),
      times.map((t) => byTime.get(t).inRate),
      times.map((t) => byTime.get(t).outRate),
    ];
    if (!plot.current) {
      plot.current = new uPlot(
        {
          width: Math.max(320, box.current.clientWidth - 8),
          height: 220,
          scales: { rate: {} },
          series: [
            {},
            { label: "connections", stroke: "#2563eb", width: 2 },
            { label: "frames in /s", stroke: "#16a34a", scale: "rate" },
            { label: "frames out /s", stroke: "#d97706", scale: "rate" },
          ],
          axes: [{}, { label: "connections" }, { side: 1, scale: "rate", label: "frames/s", grid: { show: false } }],
        },
        data,
        box.current,
      );
    } else {
      plot.current.setData(data);
    }
  }, [nodes]);
  useEffect(() => () => plot.current && plot.current.destroy(), []);
  return <div class="chart" ref={box} data-testid="chart" />;
}

function Nodes({ api }) {
  const [nodes, setNodes] = useState([]);
  usePoll(async () => setNodes((await api("node.list")).nodes), 2000, []);
  return (
    <section>
      <h2>Nodes</h2>
      <table data-testid="nodes">
        <thead>
          <tr><th>node</th><th>health</th><th>up</th><th>connections</th><th>players</th><th>rooms</th><th>version</th></tr>
        </thead>
        <tbody>
          {nodes.map((n) => (
            <tr key={n.node_id}>
              <td>{n.node_id}</td>
              <td class={n.ready ? "ok" : "bad"}>{n.draining ? "draining" : n.ready ? "ready" : "not ready"}</td>
              <td>{ago(n.uptime)}</td>
              <td data-testid="node-connections">{n.connections}</td>
              <td>{n.players}</td>
              <td>{n.rooms}</td>
              <td>{n.version}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Connections and message rates, last minutes (every node)</h3>
      <Chart nodes={nodes} />
    </section>
  );
}

function Rooms({ api, selected, onSelect }) {
  const [rooms, setRooms] = useState([]);
  usePoll(async () => setRooms((await api("room.list", { limit: 200 })).rooms), 2000, []);
  return (
    <section>
      <h2>Rooms</h2>
      {rooms.length === 0 && <p class="muted">No room has members.</p>}
      <ul class="rooms" data-testid="rooms">
        {rooms.map((r) => (
          <li key={r.room}>
            <button class={r.room === selected ? "selected" : ""} onClick={() => onSelect(r.room)} data-testid={`room-${r.room}`}>
              {r.room} <span class="muted">{r.players} players, {r.connections} connections</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

// The room's moving things on a plane: every member of the state document that is an object whose own members
// are objects with numeric x and y (the shape the Unreal movement component and `rtnet bots` write, and
// `state.entities` packs) becomes a layer of dots, one per entity, labelled, with its heading (`rot`, degrees)
// when it has one. Positions glide between two polls; the view only grows, so nothing jumps as it rescales.
export function entityLayers(document) {
  const layers = [];
  for (const [name, members] of Object.entries(document || {})) {
    if (!members || typeof members !== "object" || Array.isArray(members)) continue;
    const dots = [];
    for (const [id, e] of Object.entries(members)) {
      if (e && typeof e.x === "number" && typeof e.y === "number") dots.push({ id, x: e.x, y: e.y, rot: e.rot });
    }
    if (dots.length) layers.push({ name, dots });
  }
  return layers;
}

function hue(text) {
  let h = 2166136261; // FNV-1a: ids that differ in one character get far-apart colours
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return (h >>> 0) % 360;
}

function EntityView({ document, interval }) {
  const canvas = useRef(null);
  const motion = useRef({ from: new Map(), to: new Map(), at: 0 });
  const bounds = useRef(null);
  const layers = entityLayers(document);
  useEffect(() => {
    const m = motion.current;
    const now = performance.now();
    const progress = Math.min(1, (now - m.at) / interval);
    const shown = new Map();
    for (const [id, to] of m.to) {
      const from = m.from.get(id) || to;
      shown.set(id, { x: from.x + (to.x - from.x) * progress, y: from.y + (to.y - from.y) * progress });
    }
    m.from = shown;
    m.to = new Map(layers.flatMap((l) => l.dots.map((d) => [`${l.name}/${d.id}`, d])));
    m.at = now;
    for (const d of m.to.values()) {
      const b = bounds.current;
      bounds.current = b
        ? { minX: Math.min(b.minX, d.x), maxX: Math.max(b.maxX, d.x), minY: Math.min(b.minY, d.y), maxY: Math.max(b.maxY, d.y) }
        : { minX: d.x - 1, maxX: d.x + 1, minY: d.y - 1, maxY: d.y + 1 };
    }
  }, [document]);
  useEffect(() => {
    let frame;
    const draw = () => {
      const c = canvas.current;
      const b = bounds.current;
      if (c && b) {
        const g = c.getContext("2d");
        const size = Math.max(b.maxX - b.minX, b.maxY - b.minY) * 1.1 || 1;
        const cx = (b.minX + b.maxX) / 2;
        const cy = (b.minY + b.maxY) / 2;
        const scale = c.width / size;
        const px = (x) => c.width / 2 + (x - cx) * scale;
        const py = (y) => c.height / 2 - (y - cy) * scale; // y up, as in the game
        g.fillStyle = "#0f172a";
        g.fillRect(0, 0, c.width, c.height);
        g.strokeStyle = "#1e293b";
        g.beginPath();
        g.moveTo(px(0), 0);
        g.lineTo(px(0), c.height);
        g.moveTo(0, py(0));
        g.lineTo(c.width, py(0));
        g.stroke();
        const m = motion.current;
        const progress = Math.min(1, (performance.now() - m.at) / interval);
        g.font = "10px system-ui, sans-serif";
        for (const [key, to] of m.to) {
          const from = m.from.get(key) || to;
          const x = px(from.x + (to.x - from.x) * progress);
          const y = py(from.y + (to.y - from.y) * progress);
          const id = key.slice(key.indexOf("/") + 1);
          g.fillStyle = `hsl(${hue(id)}, 80%, 60%)`;
          g.beginPath();
          g.arc(x, y, 5, 0, 2 * Math.PI);
          g.fill();
          if (typeof to.rot === "number") {
            const a = (to.rot * Math.PI) / 180;
            g.strokeStyle = g.fillStyle;
            g.beginPath();
            g.moveTo(x, y);
            g.lineTo(x + Math.cos(a) * 11, y - Math.sin(a) * 11);
            g.stroke();
          }
          g.fillStyle = "#94a3b8";
          g.fillText(id, x + 7, y - 7);
        }
      }
      frame = requestAnimationFrame(draw);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, []);
  if (!layers.length) return null;
  return (
    <div class="entities">
      <h3>
        Entities{" "}
        <span class="muted" data-testid="entity-legend">
          {layers.map((l) => `${l.name}: ${l.dots.length}`).join(", ")}
        </span>
      </h3>
      <canvas ref={canvas} width="520" height="520" data-testid="entity-canvas" />
    </div>
  );
}

const STATE_POLL_MS = 500;

function Room({ api, room }) {
  const [members, setMembers] = useState([]);
  const [state, setState] = useState(null);
  const [events, setEvents] = useState([]);
  const [sent, setSent] = useState("");
  const offset = useRef(null);
  useEffect(() => {
    setEvents([]);
    offset.current = null;
  }, [room]);
  usePoll(async () => setMembers((await api("room.members", { room })).players), 1500, [room]);
  usePoll(async () => setState(await api("state.get", { room })), STATE_POLL_MS, [room]);
  usePoll(
    async (alive) => {
      if (offset.current === null) {
        const now = await api("room.history", { room, since_offset: 0, limit: 1000 });
        offset.current = Math.max(0, now.offset - 20);
      }
      const page = await api("room.history", { room, since_offset: offset.current, limit: 100 });
      if (!alive() || page.events.length === 0) return;
      offset.current = page.events[page.events.length - 1].offset;
      setEvents((old) => [...old, ...page.events].slice(-50));
    },
    1000,
    [room],
  );
  const publish = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    let data;
    try {
      data = JSON.parse(form.get("data"));
    } catch (e) {
      setSent(`Not JSON: ${e.message}`);
      return;
    }
    try {
      const at = await api("room.publish", { room, data, from: form.get("from") || "admin" });
      setSent(`Published at offset ${at.offset}.`);
    } catch (e) {
      setSent(`Refused: ${e.message}`);
    }
  };
  return (
    <section class="room" data-testid="room">
      <h2>Room {room}</h2>
      <div class="columns">
        <div>
          <h3>Members</h3>
          <ul data-testid="members">
            {members.map((p) => (
              <li key={p.player_id} data-testid={`member-${p.player_id}`}>
                <span class={`dot ${p.status}`} /> {p.player_id} <span class="muted">{p.status}, {p.devices} device(s)</span>
              </li>
            ))}
          </ul>
          <h3>Publish</h3>
          <form onSubmit={publish} class="publish" data-testid="publish">
            <input name="from" placeholder="from (default admin)" />
            <textarea name="data" rows="3" data-testid="publish-data">{'{"message": "hello"}'}</textarea>
            <button type="submit" data-testid="publish-submit">Publish to {room}</button>
            {sent && <p class="muted" data-testid="publish-result">{sent}</p>}
          </form>
        </div>
        <div>
          <h3>
            State <span class="muted" data-testid="state-version">version {state ? state.version : "…"}</span>
          </h3>
          <pre class="json" data-testid="state">{state ? JSON.stringify(state.document, null, 2) : ""}</pre>
        </div>
      </div>
      {state && <EntityView document={state.document} interval={STATE_POLL_MS} />}
      <h3>Live events</h3>
      <ol class="tail" data-testid="events">
        {events.map((e) => (
          <li key={e.offset}>
            <span class="muted">#{e.offset} {e.from}</span> {JSON.stringify(e.data)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Player({ api }) {
  const [player, setPlayer] = useState("");
  const [info, setInfo] = useState(null);
  const [message, setMessage] = useState("");
  const [trace, setTrace] = useState(null);
  const [frames, setFrames] = useState([]);
  const lookup = async (event) => {
    event && event.preventDefault();
    if (!player) return;
    try {
      setInfo(await api("player.info", { player_id: player }));
    } catch (e) {
      setMessage(e.message);
    }
  };
  const kick = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const result = await api("player.disconnect", {
      player_id: player,
      code: Number(form.get("code")),
      reason: form.get("reason"),
      revoke_sessions: form.get("revoke") === "on",
    });
    setMessage(`Disconnected ${result.devices} device(s); ${result.sessions_revoked} session(s) revoked.`);
    setTimeout(lookup, 500);
  };
  const startTrace = async () => {
    setFrames([]);
    setTrace(await api("player.trace", { player_id: player, seconds: 120 }));
  };
  usePoll(
    async (alive) => {
      if (!trace) return;
      const after = frames.length ? frames[frames.length - 1].seq : 0;
      const page = await api("trace.read", { trace_id: trace.trace_id, after });
      if (alive() && page.frames.length) setFrames((old) => [...old, ...page.frames].slice(-200));
    },
    1000,
    [trace, frames],
  );
  return (
    <section>
      <h2>Players</h2>
      <form onSubmit={lookup} class="inline" data-testid="lookup">
        <input placeholder="player id" value={player} onInput={(e) => setPlayer(e.target.value)} data-testid="lookup-player" />
        <button type="submit" data-testid="lookup-submit">Look up</button>
      </form>
      {info && (
        <div class="player" data-testid="player">
          <p>
            <strong>{info.player_id}</strong> <span class={`dot ${info.status}`} /> {info.status}
            {info.last_seen && <span class="muted"> — last seen {new Date(info.last_seen * 1000).toLocaleString()}</span>}
          </p>
          <p>Rooms: {info.rooms.join(", ") || "none"}</p>
          <table>
            <thead><tr><th>session</th><th>node</th><th>device</th><th>rooms</th></tr></thead>
            <tbody>
              {info.sessions.map((s) => {
                const device = info.devices.find((d) => d.session_id === s.session_id);
                return (
                  <tr key={s.session_id}>
                    <td>{s.session_id}</td>
                    <td>{s.node_id}</td>
                    <td>{device ? device.status : "disconnected (resumable)"}</td>
                    <td>{s.rooms.join(", ")}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <form onSubmit={kick} class="inline" data-testid="kick">
            <label>code <input name="code" type="number" min="4000" max="4999" value="4503" data-testid="kick-code" /></label>
            <label>reason <input name="reason" value="kicked by an operator" data-testid="kick-reason" /></label>
            <label><input name="revoke" type="checkbox" /> revoke sessions</label>
            <button type="submit" class="danger" data-testid="kick-submit">Kick</button>
          </form>
          <button onClick={startTrace} data-testid="trace-start">Trace frames (2 min)</button>
        </div>
      )}
      {message && <p class="muted" data-testid="player-message">{message}</p>}
      {trace && (
        <ol class="tail trace" data-testid="trace">
          {frames.map((f) => (
            <li key={f.seq}>
              <span class={`dir ${f.direction}`}>{f.direction}</span> <span class="muted">{f.method} {f.bytes} B</span>
              {f.payload && <code>{f.payload}</code>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Console({ apiKey, onLogout }) {
  const [room, setRoom] = useState(null);
  const [me, setMe] = useState(null);
  const api = useCallback(
    async (method, params) => {
      try {
        return await call(apiKey, method, params);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) onLogout();
        throw e;
      }
    },
    [apiKey],
  );
  useEffect(() => {
    api("node.info").then(setMe, () => {});
  }, []);
  return (
    <main>
      <header>
        <strong>RealtimeNet admin</strong>
        <span class="muted">{me ? `answered by ${me.node_id}` : ""}</span>
        <button onClick={onLogout} data-testid="logout">Log out</button>
      </header>
      <Nodes api={api} />
      <div class="columns wide">
        <Rooms api={api} selected={room} onSelect={setRoom} />
        {room ? <Room api={api} room={room} /> : <section class="muted">Pick a room.</section>}
      </div>
      <Player api={api} />
    </main>
  );
}

function App() {
  const [key, setKey] = useState(sessionStorage.getItem(KEY_STORE));
  const logout = () => {
    sessionStorage.removeItem(KEY_STORE);
    setKey(null);
  };
  return key ? <Console apiKey={key} onLogout={logout} /> : <Login onKey={setKey} />;
}

render(<App />, document.getElementById("app"));
