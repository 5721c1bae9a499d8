//! The facade, the registry scope rules and the metrics layer, with a
//! provider that records whether it was reached.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use scm_core::actions::{CreateIssue, GetIssue, GetRepositoryTopics};
use scm_core::provider::ProviderResolver;
use scm_core::registry::{InMemoryRegistry, RepositoryKey, RepositoryRecord};
use scm_core::{
    ActionName, AnyAction, AnyOutput, CallContext, CapabilitySet, Error, Provider, RequestOptions,
    Response, ResponseMeta, SourceCodeManager,
};

/// Supports only `get_repository_topics`; counts every call it receives.
struct Counting {
    calls: AtomicUsize,
}

#[async_trait]
impl Provider for Counting {
    fn name(&self) -> &str {
        "counting"
    }

    fn capabilities(&self) -> CapabilitySet {
        CapabilitySet::from_names(&[ActionName::GetRepositoryTopics, ActionName::GetIssue])
    }

    async fn execute(
        &self,
        action: AnyAction,
        ctx: &CallContext,
    ) -> scm_core::Result<Response<AnyOutput>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match action {
            AnyAction::GetRepositoryTopics(_) => Ok(Response::ok(
                AnyOutput::GetRepositoryTopics(vec![
                    ctx.repository.full_name.clone(),
                    ctx.referrer.clone(),
                ]),
                "counting",
                None,
                ResponseMeta::default(),
            )),
            AnyAction::GetIssue(_) if ctx.options.if_none_match.is_some() => {
                Ok(Response::NotModified {
                    provider: "counting".into(),
                    meta: ResponseMeta {
                        etag: ctx.options.if_none_match.clone(),
                        ..ResponseMeta::default()
                    },
                })
            }
            other => Err(Error::NotFound {
                detail: format!("{} found nothing", other.name()),
            }),
        }
    }
}

struct Resolver(Arc<Counting>);

#[async_trait]
impl ProviderResolver for Resolver {
    async fn provider_for(
        &self,
        _repository: &RepositoryRecord,
    ) -> scm_core::Result<Arc<dyn Provider>> {
        Ok(scm_core::layers::standard_stack(self.0.clone()))
    }
}

fn registry() -> InMemoryRegistry {
    let record = |id, org, active| RepositoryRecord {
        id,
        organization_id: org,
        integration_id: 1,
        provider: "counting".into(),
        external_id: format!("{id}"),
        full_name: format!("acme/repo-{id}"),
        active,
    };
    InMemoryRegistry::new(vec![
        record(1, 7, true),
        record(2, 7, false),
        record(3, 8, true),
    ])
}

#[tokio::test]
async fn unsupported_actions_never_reach_the_provider() {
    let provider = Arc::new(Counting {
        calls: AtomicUsize::new(0),
    });
    let scm = SourceCodeManager::open(
        &registry(),
        &Resolver(provider.clone()),
        7,
        &RepositoryKey::Id(1),
        "tests",
    )
    .await
    .unwrap();
    assert!(scm.supports::<GetRepositoryTopics>());
    assert!(!scm.supports::<CreateIssue>());
    let err = scm
        .execute(CreateIssue {
            title: "t".into(),
            body: "b".into(),
            assignees: None,
            labels: None,
        })
        .await
        .unwrap_err();
    assert_eq!(err, Error::unsupported(ActionName::CreateIssue, "counting"));
    assert_eq!(provider.calls.load(Ordering::SeqCst), 0);

    let topics = scm
        .execute(GetRepositoryTopics {})
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(topics, ["acme/repo-1", "tests"]);
    let other = scm.with_referrer("autofix");
    let topics = other
        .execute(GetRepositoryTopics {})
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(topics, ["acme/repo-1", "autofix"]);
    assert_eq!(provider.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn scope_is_checked_before_any_provider_is_built() {
    let provider = Arc::new(Counting {
        calls: AtomicUsize::new(0),
    });
    let resolver = Resolver(provider.clone());
    let open = |org, id| {
        let registry = registry();
        let resolver = &resolver;
        async move {
            SourceCodeManager::open(&registry, resolver, org, &RepositoryKey::Id(id), "t").await
        }
    };
    assert_eq!(open(7, 9).await.unwrap_err().code(), "repository_not_found");
    assert_eq!(open(7, 2).await.unwrap_err().code(), "repository_inactive");
    assert_eq!(
        open(7, 3).await.unwrap_err().code(),
        "repository_organization_mismatch"
    );
    assert!(open(8, 3).await.is_ok());
}

#[tokio::test]
async fn conditional_reads_are_not_errors() {
    let provider = Arc::new(Counting {
        calls: AtomicUsize::new(0),
    });
    let scm = SourceCodeManager::open(
        &registry(),
        &Resolver(provider),
        7,
        &RepositoryKey::Id(1),
        "t",
    )
    .await
    .unwrap();
    let options = RequestOptions {
        if_none_match: Some("\"abc\"".into()),
        if_modified_since: None,
    };
    let response = scm
        .execute_with(
            GetIssue {
                issue_id: "1".into(),
            },
            options,
        )
        .await
        .unwrap();
    assert!(response.is_not_modified());
    assert_eq!(response.meta().etag.as_deref(), Some("\"abc\""));
    let json = serde_json::to_value(response.map(|_| ())).unwrap();
    assert_eq!(json["status"], "not_modified");
}

#[test]
fn every_action_is_counted_with_its_tags() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(async {
            let provider = Arc::new(Counting {
                calls: AtomicUsize::new(0),
            });
            let scm = SourceCodeManager::open(
                &registry(),
                &Resolver(provider),
                7,
                &RepositoryKey::Id(1),
                "autofix",
            )
            .await
            .unwrap();
            scm.execute(GetRepositoryTopics {}).await.unwrap();
            scm.execute(GetIssue {
                issue_id: "404".into(),
            })
            .await
            .unwrap_err();
        });
    });
    let snapshot = snapshotter.snapshot().into_vec();
    let find = |name: &str| {
        snapshot
            .iter()
            .find(|(key, ..)| key.key().name() == name)
            .unwrap_or_else(|| panic!("no metric {name}"))
    };
    let (success, _, _, value) = find("sentry.scm.actions.success");
    assert_eq!(*value, DebugValue::Counter(1));
    let labels: Vec<_> = success
        .key()
        .labels()
        .map(|l| (l.key().to_owned(), l.value().to_owned()))
        .collect();
    assert!(labels.contains(&("referrer".into(), "autofix".into())));
    assert!(labels.contains(&("action".into(), "get_repository_topics".into())));
    let (failed, _, _, value) = find("sentry.scm.actions.failed");
    assert_eq!(*value, DebugValue::Counter(1));
    assert!(failed
        .key()
        .labels()
        .any(|l| l.key() == "code" && l.value() == "resource_not_found"));
}
