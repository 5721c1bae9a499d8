//! Where a line sits in a file's diff, for GitLab diff note positions.
//!
//! A neutral review comment names one line on one side. GitLab wants more:
//! an added line has only `new_line`, a removed one only `old_line`, and an
//! unchanged one both; multi-line ranges also need each end's `line_code`
//! (`<sha1 of path>_<old>_<new>`). All of that follows from the file's diff.

use scm_core::model::ReviewSide;
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

/// What kind of line a position points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Added,
    Removed,
    Unchanged,
}

/// A line of a diff with both counters, as GitLab numbers them: for an
/// added line `old` is the old side's counter at that point, and the
/// other way round for a removed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinePos {
    pub old: u32,
    pub new: u32,
    pub kind: LineKind,
}

impl LinePos {
    /// `old_line` as GitLab expects it (absent for added lines).
    pub fn old_line(&self) -> Option<u32> {
        (self.kind != LineKind::Added).then_some(self.old)
    }

    /// `new_line` as GitLab expects it (absent for removed lines).
    pub fn new_line(&self) -> Option<u32> {
        (self.kind != LineKind::Removed).then_some(self.new)
    }

    pub fn line_code(&self, path: &str) -> String {
        let digest = Sha1::digest(path.as_bytes());
        format!("{}_{}_{}", hex::encode(digest), self.old, self.new)
    }

    /// One end of a `line_range`.
    pub fn range_end(&self, path: &str) -> Value {
        json!({
            "line_code": self.line_code(path),
            "type": if self.kind == LineKind::Added { "new" } else { "old" },
            "old_line": self.old_line(),
            "new_line": self.new_line(),
        })
    }
}

fn hunk_start(header: &str) -> Option<(u32, u32)> {
    // @@ -a[,b] +c[,d] @@
    let mut parts = header.split_whitespace().skip(1);
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let first = |s: &str| s.split(',').next().and_then(|n| n.parse::<u32>().ok());
    Some((first(old)?, first(new)?))
}

/// Locates `line` (numbered on `side`) in a file's diff. Lines outside
/// every hunk are unchanged; their other number follows from the shift
/// the hunks before them introduced. `None` only for line 0 or a line
/// beyond what the diff can place (a removed side past the end).
pub fn locate(diff: &str, side: ReviewSide, line: u32) -> Option<LinePos> {
    if line == 0 {
        return None;
    }
    // Shift between new and old numbering after the hunks seen so far.
    let mut shift: i64 = 0;
    let mut lines = diff.lines().peekable();
    while let Some(raw) = lines.next() {
        if !raw.starts_with("@@") {
            continue;
        }
        let Some((old_start, new_start)) = hunk_start(raw) else {
            continue;
        };
        let hunk_begin = match side {
            ReviewSide::Head => new_start,
            ReviewSide::Base => old_start,
        };
        if line < hunk_begin {
            break;
        }
        let (mut old, mut new) = (old_start, new_start);
        while let Some(next) = lines.peek() {
            if next.starts_with("@@") {
                break;
            }
            let next = lines.next().unwrap_or_default();
            let kind = match next.as_bytes().first() {
                Some(b'+') => LineKind::Added,
                Some(b'-') => LineKind::Removed,
                Some(b'\\') => continue,
                _ => LineKind::Unchanged,
            };
            let here = LinePos { old, new, kind };
            let hit = match (side, kind) {
                (ReviewSide::Head, LineKind::Added | LineKind::Unchanged) => new == line,
                (ReviewSide::Base, LineKind::Removed | LineKind::Unchanged) => old == line,
                _ => false,
            };
            if hit {
                return Some(here);
            }
            match kind {
                LineKind::Added => new += 1,
                LineKind::Removed => old += 1,
                LineKind::Unchanged => {
                    old += 1;
                    new += 1;
                }
            }
        }
        shift = i64::from(new) - i64::from(old);
        let past_hunk = match side {
            ReviewSide::Head => line >= new,
            ReviewSide::Base => line >= old,
        };
        if !past_hunk {
            // Inside the hunk's range but on a line of the other side.
            return None;
        }
    }
    // An unchanged line outside every hunk.
    let (old, new) = match side {
        ReviewSide::Head => (i64::from(line) - shift, i64::from(line)),
        ReviewSide::Base => (i64::from(line), i64::from(line) + shift),
    };
    Some(LinePos {
        old: u32::try_from(old).ok().filter(|v| *v > 0)?,
        new: u32::try_from(new).ok().filter(|v| *v > 0)?,
        kind: LineKind::Unchanged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFF: &str = "@@ -71,6 +71,8 @@\n sudo a\n sudo b\n \n+sudo c\n+\n ```\n \n ### 6. Update config files\n@@ -100,3 +102,2 @@\n x\n-y\n z\n";

    #[test]
    fn added_removed_and_unchanged_lines() {
        let added = locate(DIFF, ReviewSide::Head, 74).unwrap();
        assert_eq!(
            added,
            LinePos {
                old: 74,
                new: 74,
                kind: LineKind::Added
            }
        );
        assert_eq!(added.old_line(), None);
        assert_eq!(added.new_line(), Some(74));
        let second_added = locate(DIFF, ReviewSide::Head, 75).unwrap();
        assert_eq!(
            second_added,
            LinePos {
                old: 74,
                new: 75,
                kind: LineKind::Added
            }
        );
        let context = locate(DIFF, ReviewSide::Head, 76).unwrap();
        assert_eq!(
            context,
            LinePos {
                old: 74,
                new: 76,
                kind: LineKind::Unchanged
            }
        );
        assert_eq!(
            (context.old_line(), context.new_line()),
            (Some(74), Some(76))
        );
        let removed = locate(DIFF, ReviewSide::Base, 101).unwrap();
        assert_eq!(
            removed,
            LinePos {
                old: 101,
                new: 103,
                kind: LineKind::Removed
            }
        );
        assert_eq!(removed.new_line(), None);
        // Base side of an unchanged line inside a hunk.
        assert_eq!(
            locate(DIFF, ReviewSide::Base, 72).unwrap(),
            LinePos {
                old: 72,
                new: 72,
                kind: LineKind::Unchanged
            }
        );
    }

    #[test]
    fn lines_outside_hunks_follow_the_shift() {
        // Before the first hunk: no shift.
        assert_eq!(
            locate(DIFF, ReviewSide::Head, 10).unwrap(),
            LinePos {
                old: 10,
                new: 10,
                kind: LineKind::Unchanged
            }
        );
        // Between hunks: +2.
        assert_eq!(
            locate(DIFF, ReviewSide::Head, 90).unwrap(),
            LinePos {
                old: 88,
                new: 90,
                kind: LineKind::Unchanged
            }
        );
        // After the last hunk: +1.
        assert_eq!(
            locate(DIFF, ReviewSide::Base, 200).unwrap(),
            LinePos {
                old: 200,
                new: 201,
                kind: LineKind::Unchanged
            }
        );
        assert_eq!(locate(DIFF, ReviewSide::Head, 0), None);
    }

    #[test]
    fn line_codes_hash_the_path() {
        let pos = LinePos {
            old: 10,
            new: 11,
            kind: LineKind::Unchanged,
        };
        // sha1("README.md")
        assert_eq!(
            pos.line_code("README.md"),
            "8ec9a00bfd09b3190ac6b22251dbb1aa95a0579d_10_11"
        );
        let end = pos.range_end("README.md");
        assert_eq!(end["type"], "old");
        assert_eq!(end["old_line"], 10);
        assert_eq!(end["new_line"], 11);
    }
}
