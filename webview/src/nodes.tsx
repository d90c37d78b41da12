/** The node box drawn for every kind (clients, vip, lb, site, service, upstream). */
import { memo } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { NODE_WIDTH, nodeHeight, type DiagramNode } from '../../shared/diagram/graph.js';

export interface NodeData extends Record<string, unknown> {
  node: DiagramNode;
  highlighted: boolean;
  badge: { text: string; color: string } | null;
}
export type HalabFlowNode = Node<NodeData, 'halab'>;

function HalabNodeView({ data, selected }: NodeProps<HalabFlowNode>) {
  const n = data.node;
  const errors = n.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = n.diagnostics.filter((d) => d.severity === 'warning').length;
  const hints = n.diagnostics.length - errors - warnings;
  const sev = errors ? 'sev-error' : warnings ? 'sev-warning' : hints ? 'sev-hint' : '';
  const cls = ['hl-node', `hl-${n.kind}`, sev, data.highlighted ? 'hl-highlight' : '', selected ? 'hl-selected' : ''].join(' ');
  const tooltip = n.diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`).join('\n') || undefined;
  return (
    <div className={cls} style={{ width: NODE_WIDTH, height: nodeHeight(n) }} title={tooltip}>
      {n.kind !== 'clients' && <Handle id="in" type="target" position={Position.Left} />}
      {n.kind !== 'upstream' && <Handle id="out" type="source" position={Position.Right} />}
      {/* VRRP link anchors (drawn, not for the user to connect): top and bottom, either direction. */}
      {n.kind === 'lb' && (
        <>
          <Handle id="vrrp-top" type="source" position={Position.Top} isConnectable={false} className="hl-vrrp-handle" />
          <Handle id="vrrp-top-in" type="target" position={Position.Top} isConnectable={false} className="hl-vrrp-handle" />
          <Handle id="vrrp-bottom" type="source" position={Position.Bottom} isConnectable={false} className="hl-vrrp-handle" />
          <Handle id="vrrp-bottom-in" type="target" position={Position.Bottom} isConnectable={false} className="hl-vrrp-handle" />
        </>
      )}
      <div className="hl-title">
        {n.kind !== 'clients' && <span className="hl-kind">{n.kind}</span>}
        <span className="hl-name">{n.title}</span>
        {n.diagnostics.length > 0 && (
          <span className={`hl-diag ${sev}`} data-diagnostics={n.diagnostics.map((d) => d.code).join(' ')}>
            {errors ? `✖${errors}` : warnings ? `⚠${warnings}` : `ℹ${hints}`}
          </span>
        )}
        {data.badge && (
          <span className="hl-badge" style={{ color: data.badge.color }}>
            {data.badge.text}
          </span>
        )}
      </div>
      {n.lines.map((l, i) => (
        <div className="hl-line" key={i}>
          {l}
        </div>
      ))}
    </div>
  );
}

export const nodeTypes = { halab: memo(HalabNodeView) };
