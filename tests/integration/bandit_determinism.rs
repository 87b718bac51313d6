//! Same inputs, same bytes: compare across thread counts, bandit state across a split.

use rand::RngExt;
use recolab::bandit::state::BanditStateFile;
use recolab::bandit::{ArmChoice, Feedback, build_policy, parse_policy};
use recolab::rng::{ChaCha8Rng, Purpose, RngPosition, stream};
use recolab::scenario::spec::StackSpec;
use recolab::sim::{SlotPolicy, VariantKey};
use recolab::world::context::{DayType, Daypart, Saturation, SessionPhase};
use recolab::world::{Context, Segment};

use super::harness::{load_scenario as scenario, shrunk};

#[test]
fn compare_does_not_depend_on_the_thread_count() {
    let base = shrunk(&scenario("stationary"), 300, 4);
    let policies = vec!["thompson".to_owned(), "ucb1(context=none)".to_owned()];
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let report = pool.install(|| recolab::sweep::compare(&base, &policies, 3).unwrap());
        serde_json::to_string(&report).unwrap()
    };
    assert_eq!(run(1), run(2));
}

const ARMS: [&str; 3] = ["popularity", "random", "long_tail"];

fn stack() -> StackSpec {
    let mut stack = StackSpec {
        arms_per_request: 2,
        ..StackSpec::default()
    };
    stack.arms.push(recolab::scenario::spec::ArmSpec::Random);
    stack
}

/// Request `t` of a toy environment: context and rewards from per-request streams,
/// so any stretch of requests can be replayed on its own.
fn request(t: u64) -> (Context, [f64; 3], ChaCha8Rng) {
    let mut env = stream(99, Purpose::Responses, 0, t);
    let daypart = [
        Daypart::Morning,
        Daypart::Afternoon,
        Daypart::Evening,
        Daypart::Night,
    ][env.random_range(0..4)];
    let context = Context {
        daypart,
        day_type: if env.random_bool(0.3) {
            DayType::Weekend
        } else {
            DayType::Weekday
        },
        segment: Segment::Regular,
        saturation: Saturation::Low,
        session_phase: SessionPhase::Early,
    };
    let night = matches!(daypart, Daypart::Evening | Daypart::Night);
    let p = if night {
        [0.2, 0.5, 0.3]
    } else {
        [0.5, 0.2, 0.3]
    };
    (context, p, env)
}

fn drive(
    policy: &mut dyn recolab::bandit::Policy,
    rng: &mut ChaCha8Rng,
    steps: std::ops::Range<u64>,
    log: &mut Vec<Vec<ArmChoice>>,
) {
    for t in steps {
        let (context, p, mut env) = request(t);
        let choices = policy.select_arms(&context, 2, rng);
        let clicked = env.random::<f64>() < p[choices[0].arm.index()];
        policy.update(
            &context,
            &choices,
            &Feedback {
                clicked,
                credited_arm: None,
                rating: None,
                thumbs: None,
            },
        );
        log.push(choices);
    }
}

fn snapshot(policy: &dyn recolab::bandit::Policy, rng: &ChaCha8Rng) -> BanditStateFile {
    let slot = SlotPolicy {
        key: VariantKey {
            experiment: None,
            variant: "default".into(),
            policy: "thompson".into(),
        },
        table: policy.table().cloned(),
        rng: RngPosition::of(rng),
    };
    BanditStateFile::from_slots("toy", &ARMS, &[slot])
}

#[test]
fn a_run_split_by_save_and_restore_equals_one_run() {
    for text in [
        "thompson(context=daypart+day_type,discount=0.995)",
        "epsilon_greedy(epsilon=0.2)",
        "ucb1",
    ] {
        let spec = parse_policy(text, &ARMS).unwrap();
        let (n, k) = (3_000, 1_234);
        let mut whole = build_policy(&spec, &stack());
        let mut rng = recolab::rng::stream(5, Purpose::Policy, 0, 0);
        let mut whole_log = Vec::new();
        drive(whole.as_mut(), &mut rng, 0..n, &mut whole_log);
        let whole_state = snapshot(whole.as_ref(), &rng).to_json();

        let mut first = build_policy(&spec, &stack());
        let mut rng = recolab::rng::stream(5, Purpose::Policy, 0, 0);
        let mut split_log = Vec::new();
        drive(first.as_mut(), &mut rng, 0..k, &mut split_log);
        let saved = snapshot(first.as_ref(), &rng).to_json();
        drop(first);
        // Restore into a brand-new policy through the file format only.
        let path = std::path::Path::new("saved.json");
        let state = BanditStateFile::parse(&saved, path).unwrap();
        let mut second = build_policy(&spec, &stack());
        let fresh = [SlotPolicy {
            key: VariantKey {
                experiment: None,
                variant: "default".into(),
                policy: "thompson".into(),
            },
            table: second.table().cloned(),
            rng: RngPosition::of(&recolab::rng::stream(0, Purpose::Policy, 0, 0)),
        }];
        let restored = state.to_slots(path, &ARMS, &fresh).unwrap();
        if let (Some(t), Some(saved)) = (second.table_mut(), &restored[0].table) {
            *t = saved.clone();
        }
        let mut rng = restored[0].rng.restore();
        drive(second.as_mut(), &mut rng, k..n, &mut split_log);
        assert_eq!(whole_log, split_log, "{text}");
        assert_eq!(
            whole_state,
            snapshot(second.as_ref(), &rng).to_json(),
            "{text}"
        );
    }
}
