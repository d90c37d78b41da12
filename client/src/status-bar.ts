/** A status bar item showing which lb holds each VIP after a deploy or failover test. */
import * as vscode from 'vscode';
import { splitBrainMessage, splitBrains, type SplitBrain } from '../../server/src/index.js';

export class VipStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('halab.vip', vscode.StatusBarAlignment.Left, 50);
  constructor() {
    this.item.name = 'HA Lab VIP holder';
    this.item.command = 'halab.refreshOverlay';
  }
  /**
   * `split`: the VIPs held by several lbs, with what the live status read about them (keepalived's
   * states); by default found from `holders` alone. A split brain is an error, said as such.
   */
  show(holders: Record<string, string[]>, primary?: string, split: SplitBrain[] = splitBrains(holders)): void {
    if (split.length > 0) {
      this.item.text = `$(error) VIP split brain: ${split.map((s) => s.holders.join(', ')).join('; ')}`;
      this.item.tooltip = split.map((s) => splitBrainMessage(s)).join('\n');
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      this.item.show();
      return;
    }
    const parts = Object.entries(holders).map(([vip, lbs]) => `${vip} → ${lbs.length ? lbs.join('+') : 'nobody'}`);
    const healthy = Object.values(holders).every((l) => l.length === 1 && (!primary || l[0] === primary));
    this.item.text = `$(${healthy ? 'pass' : 'warning'}) VIP ${parts.join(', ')}`;
    this.item.tooltip = healthy ? 'Every VIP is on the primary' : 'A VIP is not on the primary';
    this.item.backgroundColor = healthy ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }
  dispose(): void {
    this.item.dispose();
  }
}
