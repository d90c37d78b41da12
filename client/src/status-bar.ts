/** A status bar item showing which lb holds each VIP after a deploy or failover test. */
import * as vscode from 'vscode';

export class VipStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('halab.vip', vscode.StatusBarAlignment.Left, 50);
  constructor() {
    this.item.name = 'HA Lab VIP holder';
    this.item.command = 'halab.refreshOverlay';
  }
  show(holders: Record<string, string[]>, primary?: string): void {
    const parts = Object.entries(holders).map(([vip, lbs]) => `${vip} → ${lbs.length ? lbs.join('+') : 'nobody'}`);
    const healthy = Object.values(holders).every((l) => l.length === 1 && (!primary || l[0] === primary));
    this.item.text = `$(${healthy ? 'pass' : 'warning'}) VIP ${parts.join(', ')}`;
    this.item.tooltip = healthy ? 'Every VIP is on the primary' : 'A VIP is not on the primary, or is held by several lbs';
    this.item.backgroundColor = healthy ? undefined : new vscode.ThemeColor('statusBarItem.warningBackground');
    this.item.show();
  }
  dispose(): void {
    this.item.dispose();
  }
}
