// paperdraft's language server in VS Code: `paperdraft lsp` over stdio for Markdown files.
// The server itself decides which Markdown files are drafts; any other file gets nothing from it.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

exports.activate = async function (context) {
  const settings = vscode.workspace.getConfiguration('paperdraft');
  const server = { command: settings.get('server.command'), args: settings.get('server.args') };
  client = new LanguageClient('paperdraft', 'paperdraft', server, {
    documentSelector: [{ scheme: 'file', language: 'markdown' }],
  });
  // For the by-hand check (docs/editors/try-vscode.sh): what VS Code holds as problems, in the output channel.
  context.subscriptions.push(vscode.languages.onDidChangeDiagnostics((event) => {
    for (const uri of event.uris) {
      const found = vscode.languages.getDiagnostics(uri);
      const count = (severity) => found.filter((d) => d.severity === severity).length;
      client.outputChannel.appendLine(`[problems] ${uri.fsPath}: ${found.length} (errors ${count(0)}, ` +
                                      `warnings ${count(1)})`);
    }
  }));
  await client.start();
};

exports.deactivate = () => client && client.stop();
