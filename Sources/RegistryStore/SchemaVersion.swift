/// The schema this build of the daemon is written against.
public enum SchemaVersion {
    /// Highest migration number this code knows. A database at a higher version is refused: an older
    /// daemon must not run against a schema whose meaning it does not know.
    public static let expected = 17
}
