//! A typed listener through the worker: subscribed by its event type, handed
//! the typed event beside the envelope.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{push_envelope, Backend};
use scm_core::events::{CheckRunEvent, PushEvent};
use scm_stream::{
    ListenerError, ListenerRegistry, ListenerSpec, RunOutcome, TypedEvent, Worker, WorkerConfig,
};

#[tokio::test]
async fn typed_listener_gets_its_event_and_the_envelope() {
    let backend = Backend::sqlite();
    let queue = backend.open().await;
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut registry = ListenerRegistry::new();
    let record = seen.clone();
    registry
        .register_for(
            ListenerSpec::new("pushes", &[PushEvent::EVENT_TYPE]),
            move |push: PushEvent, envelope| {
                let record = record.clone();
                async move {
                    record
                        .lock()
                        .unwrap()
                        .push((push.ref_name, envelope.delivery_id.clone()));
                    Ok::<_, ListenerError>(())
                }
            },
        )
        .unwrap();
    // Subscribed to check runs only: the push must not reach it.
    registry
        .register_for(
            ListenerSpec::new("checks", &[CheckRunEvent::EVENT_TYPE]),
            |_: CheckRunEvent, _| async { Err(ListenerError::new("no check run was sent")) },
        )
        .unwrap();
    let worker = Worker::new(queue.clone(), registry, WorkerConfig::default());
    worker.subscribe().await.unwrap();
    queue.enqueue(&push_envelope("typed-1")).await.unwrap();

    let outcomes = worker
        .poll_once("pushes", Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(outcomes, vec![RunOutcome::Succeeded]);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("refs/heads/main".to_owned(), "typed-1".to_owned())]
    );
    let outcomes = worker
        .poll_once("checks", Duration::from_millis(200))
        .await
        .unwrap();
    assert!(outcomes.is_empty(), "{outcomes:?}");
    backend.cleanup().await;
}

#[test]
fn a_typed_listener_subscribes_to_exactly_its_type() {
    let mut registry = ListenerRegistry::new();
    let both = ListenerSpec::new("both", &[PushEvent::EVENT_TYPE, CheckRunEvent::EVENT_TYPE]);
    let err = registry
        .register_for(both, |_: PushEvent, _| async { Ok(()) })
        .unwrap_err();
    assert!(err.to_string().contains("`push` events"), "{err}");
    assert!(registry.is_empty());
}
