//! Award emoji ↔ neutral reactions.
//!
//! GitLab names four of the eight neutral reactions differently
//! (`thumbsup`, `thumbsdown`, `laughing`, `tada`); the rest share their
//! name. Emoji outside the neutral set have no reaction and are skipped.

use scm_core::model::Reaction;

/// The GitLab award emoji name for a reaction.
pub fn to_gitlab(reaction: Reaction) -> &'static str {
    match reaction {
        Reaction::ThumbsUp => "thumbsup",
        Reaction::ThumbsDown => "thumbsdown",
        Reaction::Laugh => "laughing",
        Reaction::Hooray => "tada",
        Reaction::Confused => "confused",
        Reaction::Heart => "heart",
        Reaction::Rocket => "rocket",
        Reaction::Eyes => "eyes",
    }
}

/// The reaction for a GitLab award emoji name, `None` outside the set.
pub fn from_gitlab(name: &str) -> Option<Reaction> {
    Some(match name {
        "thumbsup" | "+1" => Reaction::ThumbsUp,
        "thumbsdown" | "-1" => Reaction::ThumbsDown,
        "laughing" | "laugh" => Reaction::Laugh,
        "tada" | "hooray" => Reaction::Hooray,
        "confused" => Reaction::Confused,
        "heart" => Reaction::Heart,
        "rocket" => Reaction::Rocket,
        "eyes" => Reaction::Eyes,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ways() {
        for reaction in Reaction::ALL {
            assert_eq!(from_gitlab(to_gitlab(reaction)), Some(reaction));
        }
        assert_eq!(to_gitlab(Reaction::ThumbsUp), "thumbsup");
        assert_eq!(to_gitlab(Reaction::ThumbsDown), "thumbsdown");
        assert_eq!(to_gitlab(Reaction::Laugh), "laughing");
        assert_eq!(to_gitlab(Reaction::Hooray), "tada");
        assert_eq!(to_gitlab(Reaction::Confused), "confused");
        assert_eq!(from_gitlab("thumbsup"), Some(Reaction::ThumbsUp));
        assert_eq!(from_gitlab("tada"), Some(Reaction::Hooray));
        assert_eq!(from_gitlab("heart"), Some(Reaction::Heart));
        assert_eq!(from_gitlab("rocket"), Some(Reaction::Rocket));
        assert_eq!(from_gitlab("eyes"), Some(Reaction::Eyes));
        assert_eq!(from_gitlab("8ball"), None);
        assert_eq!(from_gitlab("smile"), None);
    }
}
