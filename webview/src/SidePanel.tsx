/** The side form: edit the selected node (rename, role, balance, port, servers, remove) or add one. */
import { useEffect, useState } from 'react';
import type { Site, Topology } from '../../shared/model/types.js';
import type { DiagramNode } from '../../shared/diagram/graph.js';
import { BALANCES, ROLES, type Balance, type Intent, type NodeKind, type Role } from '../../shared/protocol/webview.js';
import { nextAddress, nextName } from './defaults.js';

interface Props {
  model: Topology;
  selected: DiagramNode | null;
  adding: NodeKind | null;
  onIntent: (i: Intent) => void;
  onCloseAdd: () => void;
  onCloseEdit: () => void;
}

export function SidePanel({ model, selected, adding, onIntent, onCloseAdd, onCloseEdit }: Props) {
  if (adding) return <AddForm key={adding} kind={adding} model={model} onIntent={onIntent} onClose={onCloseAdd} />;
  // Nothing to edit: no side column, the diagram gets the width (the panel often sits in a narrow split).
  if (!selected) return null;
  return <EditForm key={selected.id} node={selected} model={model} onIntent={onIntent} onClose={onCloseEdit} />;
}

/** The schema's roles, in its order. */
function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r} value={r}>
      {r}
    </option>
  ));
}

type OnIntent = (i: Intent) => void;

/** The selected node's form: a section per thing that kind of node can change. */
function EditForm({ node, model, onIntent, onClose }: { node: DiagramNode; model: Topology; onIntent: OnIntent; onClose: () => void }) {
  const kind = node.kind;
  const editable = kind === 'lb' || kind === 'upstream' || kind === 'site';
  const site = kind === 'site' ? model.sites.find((s) => s.name === node.title) : undefined;

  return (
    <aside className="hl-side" data-form={node.id}>
      <h3>
        {kind} {node.title}
        <button className="hl-close" name="close" title="Close" onClick={onClose}>
          ✕
        </button>
      </h3>
      {node.diagnostics.length > 0 && <NodeDiagnostics node={node} />}
      {editable && <RenameForm node={node} onIntent={onIntent} />}
      {kind === 'lb' && <RoleSelect node={node} onIntent={onIntent} />}
      {kind === 'site' && <BalanceSelect node={node} onIntent={onIntent} />}
      {(kind === 'upstream' || kind === 'site') && <PortForm node={node} onIntent={onIntent} />}
      {site && <ServerList site={site} model={model} onIntent={onIntent} />}
      {editable && (
        <button className="hl-danger" name="remove" onClick={() => onIntent({ op: 'remove', kind: kind as NodeKind, name: node.title })}>
          Remove {kind}
        </button>
      )}
    </aside>
  );
}

function NodeDiagnostics({ node }: { node: DiagramNode }) {
  return (
    <ul className="hl-diags">
      {node.diagnostics.map((d, i) => (
        <li key={i} className={`sev-${d.severity}`}>
          <b>{d.code}</b> {d.message}
        </li>
      ))}
    </ul>
  );
}

function RenameForm({ node, onIntent }: { node: DiagramNode; onIntent: OnIntent }) {
  const [name, setName] = useState(node.title);
  useEffect(() => setName(node.title), [node.title]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (name !== node.title) onIntent({ op: 'rename', kind: node.kind as NodeKind, from: node.title, to: name });
      }}
    >
      <label>
        name <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <button type="submit" name="rename">Rename</button>
    </form>
  );
}

function RoleSelect({ node, onIntent }: { node: DiagramNode; onIntent: OnIntent }) {
  const setRole = (role: Role) => onIntent({ op: 'setRole', lb: node.title, role });
  return (
    <label>
      role{' '}
      <select name="role" value={String(node.props.role)} onChange={(e) => setRole(e.target.value as Role)}>
        <RoleOptions />
      </select>
    </label>
  );
}

function BalanceSelect({ node, onIntent }: { node: DiagramNode; onIntent: OnIntent }) {
  const setBalance = (balance: Balance) => onIntent({ op: 'setBalance', site: node.title, balance });
  return (
    <label>
      balance{' '}
      <select name="balance" value={String(node.props.balance)} onChange={(e) => setBalance(e.target.value as Balance)}>
        {BALANCES.map((b) => (
          <option key={b} value={b}>
            {b}
          </option>
        ))}
      </select>
    </label>
  );
}

/** An upstream's port or a site's listen port; anything but a port number is ignored. */
function PortForm({ node, onIntent }: { node: DiagramNode; onIntent: OnIntent }) {
  const upstream = node.kind === 'upstream';
  const [port, setPort] = useState(String(node.props.port ?? node.props.listen ?? ''));
  useEffect(() => setPort(String(node.props.port ?? node.props.listen ?? '')), [node.props.port, node.props.listen]);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const p = Number(port);
        if (!Number.isInteger(p) || p < 1 || p > 65535) return;
        onIntent(upstream ? { op: 'setPort', upstream: node.title, port: p } : { op: 'setListen', site: node.title, port: p });
      }}
    >
      <label>
        {upstream ? 'port' : 'listen'} <input name="port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
      </label>
      <button type="submit" name="set-port">Set</button>
    </form>
  );
}

/** A site's servers: each with a button to drop it, and a menu of the upstreams it could add. */
function ServerList({ site, model, onIntent }: { site: Site; model: Topology; onIntent: OnIntent }) {
  const free = model.upstreams.filter((u) => !site.servers.includes(u.name));
  const connect = (upstream: string) => onIntent({ op: 'connect', site: site.name, upstream });
  const disconnect = (upstream: string) => onIntent({ op: 'disconnect', site: site.name, upstream });
  return (
    <div className="hl-servers">
      <div>servers</div>
      {site.servers.map((u) => (
        <div key={u} className="hl-server">
          {u}{' '}
          <button name={`disconnect-${u}`} title="remove from servers" onClick={() => disconnect(u)}>
            ✕
          </button>
        </div>
      ))}
      {free.length > 0 && (
        <select name="connect" value="" onChange={(e) => e.target.value && connect(e.target.value)}>
          <option value="">+ add server…</option>
          {free.map((u) => (
            <option key={u.name} value={u.name}>
              {u.name}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

function AddForm({ kind, model, onIntent, onClose }: { kind: NodeKind; model: Topology; onIntent: OnIntent; onClose: () => void }) {
  const hosts = [...model.lbs.map((l) => l.name), ...model.upstreams.map((u) => u.name)];
  const [name, setName] = useState(() =>
    (kind === 'site' ? nextName('site', model.sites.map((s) => s.name)) : nextName(kind === 'lb' ? 'lb' : 'upstream', hosts)));
  const lastAddr = kind === 'lb' ? model.lbs.at(-1)?.address : model.upstreams.at(-1)?.address;
  const [address, setAddress] = useState(() => (kind === 'site' ? '' : nextAddress(model, lastAddr)));
  const [role, setRole] = useState<Role>(model.lbs.some((l) => l.role === 'primary') ? 'backup' : 'primary');
  const [host, setHost] = useState(() => `${name}.example.test`);
  const [servers, setServers] = useState<string[]>(() => model.upstreams.map((u) => u.name));
  return (
    <aside className="hl-side" data-form={`add-${kind}`}>
      <h3>Add {kind}</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (kind === 'lb') onIntent({ op: 'addLb', name, address, role });
          else if (kind === 'upstream') onIntent({ op: 'addUpstream', name, address });
          else onIntent({ op: 'addSite', name, host, servers });
          onClose();
        }}
      >
        <label>
          name <input name="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {kind !== 'site' && (
          <label>
            address <input name="address" value={address} onChange={(e) => setAddress(e.target.value)} />
          </label>
        )}
        {kind === 'lb' && (
          <label>
            role{' '}
            <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              <RoleOptions />
            </select>
          </label>
        )}
        {kind === 'site' && (
          <>
            <label>
              host <input name="host" value={host} onChange={(e) => setHost(e.target.value)} />
            </label>
            <fieldset>
              <legend>servers</legend>
              {model.upstreams.map((u) => (
                <label key={u.name} className="hl-check">
                  <input
                    type="checkbox"
                    checked={servers.includes(u.name)}
                    onChange={(e) => setServers(e.target.checked ? [...servers, u.name] : servers.filter((s) => s !== u.name))}
                  />{' '}
                  {u.name}
                </label>
              ))}
            </fieldset>
          </>
        )}
        <button type="submit" name="add">Add</button>{' '}
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </form>
    </aside>
  );
}
