//! Property tests: arbitrary client frames are decoded, translated and
//! applied to a real event. Nothing may panic, and a refused request must
//! leave the durable state byte-for-byte unchanged.

use super::requests::{Intent, intent};
use crate::domain::{Action, Command, Event, EventState, Limits, MemberId, Role};
use crate::protocol::{CLIENT_TYPES, decode};
use crate::venue::Venue;
use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

/// An event with one connected person per role, and a team.
fn event() -> (Event, Vec<MemberId>) {
    let venue = Arc::new(Venue::default_venue().unwrap());
    let mut event = Event::new(EventState::new("fuzz", "Fuzz"), venue, Limits::default());
    let mut members = Vec::new();
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let join = Command::Join {
            name: format!("person {i}").into(),
            role,
            team: None,
            session_hash: format!("s{i}"),
            invite: None,
        };
        event.apply(None, &join, 0).unwrap();
        let id = event.member_by_session(&format!("s{i}")).unwrap();
        event.act(id, &Action::Connect, 0).unwrap();
        members.push(id);
    }
    event
        .apply(
            Some(members[3]),
            &Command::CreateTeam {
                name: "Équipe".into(),
                challenge: None,
            },
            0,
        )
        .unwrap();
    (event, members)
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-3i64..40).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        prop::sample::select(vec![
            "amphi",
            "jury",
            "hall",
            "table-01",
            "room",
            "team",
            "direct",
            "announcement",
            "data",
            "busy",
            "hacking",
            "participant"
        ])
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            inner
        ]
    })
}

const FIELDS: &[&str] = &[
    "protocol",
    "dx",
    "dy",
    "x",
    "y",
    "room",
    "status",
    "scope",
    "to",
    "text",
    "name",
    "team",
    "challenge",
    "title",
    "description",
    "id",
    "schedule",
    "phase",
    "self_service",
    "role",
    "tags",
    "request",
    "stars",
    "comment",
    "skills",
    "available",
    "member",
    "reason",
    "seq",
    "label",
    "expires_at",
    "max_uses",
    "invite",
    "t0",
    "rid",
];

fn message() -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        prop::sample::select(CLIENT_TYPES.to_vec()).prop_map(String::from),
        "[a-z_]{0,12}"
    ];
    let fields = prop::collection::vec((prop::sample::select(FIELDS.to_vec()), value()), 0..6);
    (kind, fields).prop_map(|(kind, fields)| {
        let mut object = serde_json::Map::new();
        object.insert("type".into(), json!(kind));
        for (name, value) in fields {
            object.insert(name.into(), value);
        }
        Value::Object(object)
    })
}

/// Applies one translated request like the hub would; returns whether it was refused.
fn apply(event: &mut Event, actor: MemberId, intent: Intent) -> bool {
    let now = 1_000;
    match intent {
        Intent::Durable(command) => event.apply(Some(actor), &command, now).is_err(),
        Intent::Act(action) => event.act(actor, &action, now).is_err(),
        Intent::Chat { to, text } => match event.prepare_chat(actor, to, text) {
            Ok(command) => event.apply(Some(actor), &command, now).is_err(),
            Err(_) => true,
        },
        Intent::Summon(target) => event.summon(actor, target, now).is_err(),
        _ => false,
    }
}

fn fuzz_cases() -> u32 {
    std::env::var("AMPHI_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    // AMPHI_FUZZ_CASES raises the case count for a long run.
    #![proptest_config(ProptestConfig { cases: fuzz_cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics_the_decoder(text in ".{0,200}") {
        let _ = decode(&text);
    }

    #[test]
    fn arbitrary_messages_apply_cleanly(messages in prop::collection::vec((0usize..5, message()), 1..12)) {
        let (mut event, members) = event();
        for (who, message) in messages {
            let Ok(request) = decode(&message.to_string()) else { continue };
            let Ok(intent) = intent(request.msg, &event) else { continue };
            let before = serde_json::to_string(event.state()).unwrap();
            if apply(&mut event, members[who], intent) {
                prop_assert_eq!(&before, &serde_json::to_string(event.state()).unwrap(), "refused request changed the state: {}", message);
            }
            let _ = event.advance(2_000);
        }
    }
}
