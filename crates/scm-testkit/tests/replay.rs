//! Recorded GitHub traffic served back end to end.

use scm_testkit::octokit::{list_scenarios, ReplayServer, Scenario, UNMATCHED_STATUS};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn next_link(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains(r#"rel="next""#).then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

#[test]
fn scenarios_are_listed() {
    let names = list_scenarios();
    eprintln!("{} scenarios: {}", names.len(), names.join(", "));
    for expected in [
        "paginate-issues",
        "labels",
        "git-refs",
        "create-status",
        "errors",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing");
    }
}

#[tokio::test]
async fn pagination_follows_links_to_the_replay_server() {
    let server = ReplayServer::start_in_order(&Scenario::load("paginate-issues"));
    let client = client();
    let mut url = Some(server.url("/repos/octokit-fixture-org/paginate-issues/issues?per_page=3"));
    let mut issues = Vec::new();
    while let Some(current) = url {
        assert!(
            current.starts_with(server.base_url()),
            "left the server: {current}"
        );
        let response = client.get(&current).send().await.expect("request");
        assert_eq!(response.status(), 200);
        url = next_link(response.headers());
        let page: Vec<serde_json::Value> = response.json().await.expect("JSON page");
        for issue in &page {
            let api_url = issue["url"].as_str().expect("issue url");
            assert!(api_url.starts_with(server.base_url()), "{api_url}");
        }
        issues.extend(page);
    }
    assert_eq!(issues.len(), 13);
    server.assert_all_consumed();
}

#[tokio::test]
async fn redirect_location_points_back_at_the_server() {
    let server = ReplayServer::start(&Scenario::load("rename-repository"));
    let client = client();
    let body = serde_json::json!({ "name": "rename-repository-newname" });
    let renamed = client
        .patch(server.url("/repos/octokit-fixture-org/rename-repository"))
        .json(&body)
        .send()
        .await
        .expect("rename");
    assert_eq!(renamed.status(), 200);

    let moved = client
        .get(server.url("/repos/octokit-fixture-org/rename-repository"))
        .send()
        .await
        .expect("get old name");
    assert_eq!(moved.status(), 301);
    let location = moved.headers()["location"].to_str().expect("location");
    assert_eq!(location, server.url("/repositories/1000"));
    assert!(server.unmatched_requests().is_empty());
    assert_eq!(server.unconsumed().len(), 3);
}

#[tokio::test]
async fn mismatched_body_is_reported() {
    let server = ReplayServer::start(&Scenario::load("labels"));
    let response = client()
        .post(server.url("/repos/octokit-fixture-org/labels/labels"))
        .json(&serde_json::json!({ "name": "test-label", "color": "000000" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), UNMATCHED_STATUS);
    let unmatched = server.unmatched_requests();
    assert_eq!(unmatched.len(), 1);
    assert!(
        unmatched[0].reason.contains("body differs"),
        "{}",
        unmatched[0]
    );
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        server.assert_all_consumed()
    }));
    assert!(result.is_err());
}

#[tokio::test]
async fn binary_archive_is_served_as_bytes() {
    let server = ReplayServer::start(&Scenario::load("get-archive"));
    let client = client();
    let redirect = client
        .get(server.url("/repos/octokit-fixture-org/get-archive/tarball/main"))
        .send()
        .await
        .expect("tarball");
    assert_eq!(redirect.status(), 302);
    let location = redirect.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let archive = client.get(&location).send().await.expect("archive");
    assert_eq!(archive.headers()["content-type"], "application/x-gzip");
    let bytes = archive.bytes().await.expect("bytes");
    assert_eq!(bytes.len(), 176);
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    server.assert_all_consumed();
}
