//! `amphi event …` against the real binary: a server process on a free port,
//! and each command as a second process, as an operator would type them.

use crate::binary::Amphi;
use std::process::{Command, Output};

const TOKEN: &str = "cli-operator-token-0123456789";

fn amphi_event(server: &str, token: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amphi"));
    command
        .env("AMPHI_LOG", "warn")
        .env_remove("AMPHI_SERVER")
        .arg("event")
        .arg("--server")
        .arg(server)
        .args(args);
    match token {
        Some(token) => command.env("AMPHI_ADMIN_TOKEN", token),
        None => command.env_remove("AMPHI_ADMIN_TOKEN"),
    };
    command.output().unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn refused(output: &Output) -> String {
    assert!(
        !output.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn the_event_commands_manage_a_running_server() {
    let dir = crate::common::owned_data_dir();
    let amphi = Amphi::start(&dir, None, &[("AMPHI_ADMIN_TOKEN", TOKEN)]);
    let server = format!("http://{}", amphi.addr);
    let run = |args: &[&str]| amphi_event(&server, Some(TOKEN), args);

    let created = ok(&run(&[
        "create",
        "--title",
        "Hackathon Donnée en Région",
        "--slug",
        "donnee-region",
        "--map",
        "campus",
        "--starts-on",
        "2027-03-12",
        "--ends-on",
        "2027-03-13",
        "--capacity",
        "150",
        "--team-size",
        "6",
    ]));
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    assert_eq!(created["event"]["phase"], "draft");
    assert!(
        created["moderator_link"]
            .as_str()
            .unwrap()
            .contains("event=donnee-region")
    );

    let list = ok(&run(&["list"]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(
        lines[1].starts_with("donnee-region\tdraft\t0 people\tHackathon Donnée en Région"),
        "{list}"
    );

    let shown: serde_json::Value =
        serde_json::from_str(&ok(&run(&["show", "donnee-region"]))).unwrap();
    assert_eq!(shown["settings"]["capacity"], 150);
    ok(&run(&["phase", "donnee-region", "live"]));
    let cloned = ok(&run(&[
        "clone",
        "donnee-region",
        "--new-slug",
        "donnee-2028",
        "--title",
        "Édition 2028",
    ]));
    assert!(cloned.contains("\"donnee-2028\""), "{cloned}");
    let archived = ok(&run(&["archive", "donnee-region"]));
    assert!(archived.contains("\"archived\""), "{archived}");
    assert_eq!(
        ok(&run(&["delete", "donnee-2028"])).trim(),
        "deleted donnee-2028"
    );

    // Typed refusals, on stderr, with a failing exit status.
    let err = refused(&run(&["create", "--title", "T", "--slug", "donnee-region"]));
    assert!(err.contains("duplicate_slug"), "{err}");
    let err = refused(&run(&[
        "create",
        "--title",
        "T",
        "--slug",
        "t",
        "--starts-on",
        "2027-03-13",
        "--ends-on",
        "2027-03-12",
    ]));
    assert!(err.contains("dates_out_of_order"), "{err}");
    let err = refused(&run(&["phase", "donnee-region", "live"]));
    assert!(err.contains("event_archived"), "{err}");
    let err = refused(&run(&["show", "nowhere"]));
    assert!(err.contains("unknown_event"), "{err}");
    let err = refused(&amphi_event(
        &server,
        Some("not-the-operator-token"),
        &["list"],
    ));
    assert!(err.contains("unauthorized"), "{err}");
    let err = refused(&amphi_event(&server, None, &["list"]));
    assert!(err.contains("AMPHI_ADMIN_TOKEN"), "{err}");

    let list = ok(&run(&["list"]));
    assert!(list.contains("donnee-region\tarchived"), "{list}");
    amphi.kill();
    std::fs::remove_dir_all(&dir).unwrap();
}
