//! Directory listings (`/browse`) and structured diffs (`/diff`).

use serde::Deserialize;

use super::{BbPage, BbPath};

/// `GET /browse/{path}` on a directory: the path and a page of children.
/// On a file the answer has `lines` instead of `children`.
#[derive(Debug, Clone, Deserialize)]
pub struct BbBrowse {
    pub path: Option<BbPath>,
    pub children: Option<BbPage<BbChild>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbChild {
    /// Relative to the listed directory.
    pub path: BbPath,
    /// `FILE`, `DIRECTORY`, `SUBMODULE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub size: Option<i64>,
    /// The blob's (or tree's, or submodule commit's) object id.
    pub content_id: Option<String>,
}

/// `GET …/diff/{path}`: `{diffs:[{hunks:[{segments:[{type, lines}]}]}]}`,
/// or a single diff at the top level on some versions.
#[derive(Debug, Clone, Deserialize)]
pub struct BbDiffs {
    #[serde(default)]
    pub diffs: Vec<BbDiff>,
    #[serde(default)]
    pub hunks: Vec<BbHunk>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbDiff {
    #[serde(default)]
    pub hunks: Vec<BbHunk>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbHunk {
    pub source_line: Option<i64>,
    pub destination_line: Option<i64>,
    #[serde(default)]
    pub segments: Vec<BbSegment>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbSegment {
    /// `ADDED`, `REMOVED`, `CONTEXT`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub lines: Vec<BbLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbLine {
    /// Line number in the old file.
    pub source: Option<i64>,
    /// Line number in the new file.
    pub destination: Option<i64>,
}

impl BbDiffs {
    /// The segment type (`ADDED`, `REMOVED`, `CONTEXT`) of `line` on the
    /// old (`old_side`) or new side of the diff, when the diff shows it.
    ///
    /// Lines are numbered from the hunk starts when an answer carries no
    /// per-line numbers.
    pub fn line_type(&self, line: u32, old_side: bool) -> Option<String> {
        let line = i64::from(line);
        let hunks = self
            .diffs
            .iter()
            .flat_map(|d| d.hunks.iter())
            .chain(self.hunks.iter());
        for hunk in hunks {
            let mut source = hunk.source_line.unwrap_or(0);
            let mut destination = hunk.destination_line.unwrap_or(0);
            for segment in &hunk.segments {
                let kind = segment.kind.as_deref().unwrap_or("CONTEXT");
                for entry in &segment.lines {
                    let (src, dst) = (
                        entry.source.unwrap_or(source),
                        entry.destination.unwrap_or(destination),
                    );
                    let hit = match kind {
                        "ADDED" => !old_side && dst == line,
                        "REMOVED" => old_side && src == line,
                        _ => (if old_side { src } else { dst }) == line,
                    };
                    if hit {
                        return Some(kind.to_owned());
                    }
                    match kind {
                        "ADDED" => destination = dst + 1,
                        "REMOVED" => source = src + 1,
                        _ => {
                            source = src + 1;
                            destination = dst + 1;
                        }
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_types_from_a_diff() {
        // Shaped like Data Center's answer: one hunk, context then added.
        let diffs: BbDiffs = serde_json::from_value(serde_json::json!({"diffs": [{"hunks": [{
        "sourceLine": 1, "destinationLine": 1,
        "segments": [
            {"type": "CONTEXT", "lines": [{"line": "package main"}]},
            {"type": "REMOVED", "lines": [{"line": "old"}]},
            {"type": "ADDED", "lines": [{"line": ""}, {"line": "func main() {}"}]}
        ]}]}]}))
        .unwrap();
        assert_eq!(diffs.line_type(1, false).as_deref(), Some("CONTEXT"));
        assert_eq!(diffs.line_type(2, false).as_deref(), Some("ADDED"));
        assert_eq!(diffs.line_type(3, false).as_deref(), Some("ADDED"));
        assert_eq!(diffs.line_type(2, true).as_deref(), Some("REMOVED"));
        assert_eq!(diffs.line_type(9, false), None);
    }
}
