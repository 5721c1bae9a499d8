use super::*;
use crate::download::Download;
use crate::model::{PullRequestState, Reaction};

#[test]
fn the_table_has_every_catalogue_action_with_unique_names() {
    assert_eq!(ActionName::ALL.len(), 97);
    let mut names: Vec<_> = ActionName::ALL.iter().map(|n| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 97);
    for name in ActionName::ALL {
        assert_eq!(name.as_str().parse::<ActionName>().unwrap(), *name);
        assert!(!name.summary().trim().is_empty(), "{name} has no doc");
        assert_eq!(ActionName::ALL[name.index()], *name);
    }
}

#[test]
fn arguments_parse_from_json_with_defaults() {
    let any = AnyAction::from_json(ActionName::GetPullRequests, serde_json::json!({})).unwrap();
    let AnyAction::GetPullRequests(args) = any else {
        panic!("wrong variant")
    };
    assert_eq!(args.state, Some(PullRequestState::Open));
    let all = AnyAction::from_json(
        ActionName::GetPullRequests,
        serde_json::json!({"state": null}),
    )
    .unwrap();
    let AnyAction::GetPullRequests(args) = all else {
        panic!("wrong variant")
    };
    assert_eq!(args.state, None);

    let reaction = AnyAction::from_json(
        ActionName::CreateIssueReaction,
        serde_json::json!({"issue_id": "1", "reaction": "+1"}),
    )
    .unwrap();
    assert_eq!(reaction.args_json()["reaction"], "+1");
    let AnyAction::CreateIssueReaction(args) = reaction else {
        panic!("wrong variant")
    };
    assert_eq!(args.reaction, Reaction::ThumbsUp);

    let git_ref = AnyAction::from_json(
        ActionName::GetGitRef,
        serde_json::json!({"ref": "heads/main"}),
    )
    .unwrap();
    assert_eq!(git_ref.args_json()["ref"], "heads/main");
    assert_eq!(ActionName::GetGitRef.fields()[0].name, "ref");
}

#[test]
fn bad_arguments_are_input_errors() {
    let cases = [
        (ActionName::GetIssue, serde_json::json!({})),
        (
            ActionName::GetIssue,
            serde_json::json!({"issue_id": "1", "typo": 1}),
        ),
        (
            ActionName::GetCommit,
            serde_json::json!({"sha": "../../etc"}),
        ),
        (
            ActionName::CreateIssueReaction,
            serde_json::json!({"issue_id": "1", "reaction": "smile"}),
        ),
        (ActionName::GetIssue, serde_json::json!([1, 2])),
    ];
    for (name, args) in cases {
        let err = AnyAction::from_json(name, args.clone()).unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{name} {args}");
    }
    assert_eq!(
        "no_such_action".parse::<ActionName>().unwrap_err().code(),
        "invalid_input"
    );
}

#[test]
fn list_actions_take_a_page() {
    for name in ActionName::ALL {
        let is_list = name.kind() == ActionKind::List;
        assert_eq!(name.output_type().starts_with("Page"), is_list, "{name}");
    }
    let mut any = AnyAction::from_json(
        ActionName::GetIssueComments,
        serde_json::json!({"issue_id": "3", "page": {"cursor": "abc", "per_page": 5}}),
    )
    .unwrap();
    assert_eq!(any.page_mut().unwrap().per_page, Some(5));
    let mut read =
        AnyAction::from_json(ActionName::GetIssue, serde_json::json!({"issue_id": "3"})).unwrap();
    assert!(read.page_mut().is_none());
}

#[test]
fn outputs_round_trip_through_json() {
    let output = AnyOutput::GetRepositoryTopics(vec!["rust".into()]);
    let json = output.into_json().unwrap();
    let back = AnyOutput::from_json(ActionName::GetRepositoryTopics, json).unwrap();
    assert!(matches!(back, AnyOutput::GetRepositoryTopics(topics) if topics == ["rust"]));
    assert!(AnyOutput::from_json(ActionName::DownloadArchive, serde_json::json!(null)).is_err());
}

#[test]
fn download_outputs_are_known_from_the_table() {
    for name in ActionName::ALL {
        let download = Download {
            body: crate::transport::Body::empty(),
            content_type: None,
            content_length: None,
            filename: None,
        };
        let output = AnyOutput::from_download(*name, download);
        assert_eq!(
            output.is_ok(),
            name.kind() == ActionKind::Download,
            "{name}"
        );
        if let Ok(output) = output {
            assert_eq!(output.name(), *name);
            assert!(output.into_download().is_ok());
        }
    }
    let topics = AnyOutput::GetRepositoryTopics(vec![]);
    let back = topics.into_download().map(|_| ()).unwrap_err();
    assert!(matches!(*back, AnyOutput::GetRepositoryTopics(_)));
}

#[test]
fn every_argument_has_a_command_line_shape_from_its_type() {
    let field = |action: ActionName, name: &str| {
        *action
            .fields()
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{action} has no field {name}"))
    };
    use crate::actions::FieldKind::*;
    let issue = field(ActionName::GetIssue, "issue_id");
    assert_eq!((issue.kind, issue.optional), (Text, false));
    let labels = field(ActionName::CreateIssue, "labels");
    assert_eq!((labels.kind, labels.optional), (List, true));
    let state = field(ActionName::UpdateIssue, "state");
    assert_eq!((state.kind, state.optional), (Text, true));
}

#[test]
fn annotation_levels_are_the_three_the_schema_names() {
    let args = |level: &str| {
        serde_json::json!({"check_run_id": "1", "output": {"title": "t", "summary": "s",
            "annotations": [{"path": "a", "start_line": 1, "end_line": 1,
                             "annotation_level": level, "message": "m"}]}})
    };
    assert!(AnyAction::from_json(ActionName::UpdateCheckRun, args("warning")).is_ok());
    let err = AnyAction::from_json(ActionName::UpdateCheckRun, args("info")).unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}
