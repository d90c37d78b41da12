/** Code lenses on the `topology` line: Render · Deploy · Failover test · Open Topology. */
import * as vscode from 'vscode';

export class TopologyLenses implements vscode.CodeLensProvider {
  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const m = /^\s*topology\b/m.exec(doc.getText());
    if (!m) return [];
    const range = new vscode.Range(doc.positionAt(m.index), doc.positionAt(m.index + m[0].length));
    return [
      ['Render', 'halab.renderConfigs'],
      ['Deploy', 'halab.deploy'],
      ['Failover test', 'halab.runFailoverTest'],
      ['Open Topology', 'halab.openTopology'],
    ].map(([title, command]) => new vscode.CodeLens(range, { title: title!, command: command!, arguments: [doc.uri] }));
  }
}
