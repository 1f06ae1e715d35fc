// Secret-bearing values hide their contents from `print`, `debugPrint`, `dump` and string
// interpolation, so a stray log statement or crash dump cannot leak a token or key.

extension ClientCertificate: CustomDebugStringConvertible, CustomReflectable {
    /// Never shows the key.
    public var debugDescription: String { description }
    /// An empty mirror: `dump` shows no bytes.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension BearerSource: CustomDebugStringConvertible, CustomReflectable {
    /// Names the method only.
    public var debugDescription: String { description }
    /// An empty mirror: `dump` shows no token.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}

extension Credentials: CustomDebugStringConvertible, CustomReflectable {
    /// Names the methods only.
    public var debugDescription: String { description }
    /// Shows only the method names.
    public var customMirror: Mirror { Mirror(self, children: ["methods": description]) }
}

extension ExecPlugin: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The command and the names of the extra variables; values may be secrets.
    public var description: String {
        "ExecPlugin(\(command), env: [\(env.keys.sorted().joined(separator: ", "))])"
    }
    /// Same as `description`.
    public var debugDescription: String { description }
    /// Shows the command only.
    public var customMirror: Mirror { Mirror(self, children: ["command": command, "user": user]) }
}

extension HTTPRequest: CustomDebugStringConvertible, CustomReflectable {
    /// Method and URL only.
    public var debugDescription: String { description }
    /// Method and URL only.
    public var customMirror: Mirror { Mirror(self, children: ["method": method, "url": url]) }
}

extension Kubeconfig.User: CustomDebugStringConvertible, CustomReflectable {
    /// Names the methods only.
    public var debugDescription: String { description }
    /// Names the methods only.
    public var customMirror: Mirror { Mirror(self, children: ["methods": description]) }
}

extension ClusterConnection: CustomDebugStringConvertible {
    /// Same as `description`, which has no secrets.
    public var debugDescription: String { description }
}

extension TransportConfiguration: CustomDebugStringConvertible, CustomReflectable {
    /// Same as `description`: a proxy URL's credentials are removed.
    public var debugDescription: String { description }
    /// Shows the summary only.
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
