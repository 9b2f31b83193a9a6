import Foundation

extension RenderedReport {
    /// Writes every file into `directory` (created if needed), each atomically: a reader never sees
    /// half a page. Returns the paths written, the HTML first.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try files.map { file in
            let path = (directory as NSString).appendingPathComponent(file.name)
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return path
        }
    }
}
