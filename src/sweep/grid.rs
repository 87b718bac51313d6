//! `--set PATH=V1,V2,…`: one scenario field and the values it takes in a sweep, and
//! the grid of every combination.
//!
//! A path names a field of the resolved scenario by its RON names, joined by dots:
//! `stack.diversity.weight`, `population.n_users`, `stack.slate_size`. A policy or arm
//! variant is passed through transparently (`stack.policy.discount` reaches the
//! `discount` of `Thompson(…)`), and a list element is chosen by index or, for arms,
//! by name (`stack.arms.svd.factors`). Values are RON-like literals read as JSON
//! where they parse (`0.3`, `true`, `[2, 8]`) and as strings otherwise (`rank`,
//! `Popularity`); a comma inside brackets does not split values.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::scenario::{Scenario, ScenarioSpec};

/// Why a `--set` cannot be applied.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Not `PATH=V1,V2,…`.
    #[error(
        "--set {text:?}: expected PATH=V1,V2,…; fix: e.g. --set stack.diversity.weight=0.1,0.3,0.5"
    )]
    Syntax {
        /// The argument.
        text: String,
    },
    /// The path names no field.
    #[error("--set {path}: no field `{segment}` under `{parent}`; fix: use one of {known}")]
    NoField {
        /// The whole path.
        path: String,
        /// The segment not found.
        segment: String,
        /// Where it was looked up.
        parent: String,
        /// The fields there.
        known: String,
    },
    /// The value does not fit the field, or makes the scenario invalid.
    #[error("--set {path}={value}: {problem}")]
    Value {
        /// The path.
        path: String,
        /// The value.
        value: String,
        /// What is wrong (with the fix).
        problem: String,
    },
}

/// One swept field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Setting {
    /// The field's dotted path.
    pub path: String,
    /// Its values, as given.
    pub values: Vec<String>,
}

/// Splits on commas outside brackets, parentheses and quotes.
fn split_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut current = String::new();
    for ch in text.chars() {
        match ch {
            '"' => quoted = !quoted,
            '[' | '(' | '{' if !quoted => depth += 1,
            ']' | ')' | '}' if !quoted => depth -= 1,
            ',' if depth == 0 && !quoted => {
                out.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(ch);
    }
    out.push(current.trim().to_owned());
    out
}

impl Setting {
    /// Parses `PATH=V1,V2,…`.
    ///
    /// # Errors
    ///
    /// [`SetError::Syntax`] without `=`, a path or a value.
    pub fn parse(text: &str) -> Result<Self, SetError> {
        let syntax = || SetError::Syntax {
            text: text.to_owned(),
        };
        let (path, values) = text.split_once('=').ok_or_else(syntax)?;
        let path = path.trim();
        let values = split_values(values);
        if path.is_empty() || values.iter().any(String::is_empty) {
            return Err(syntax());
        }
        Ok(Self {
            path: path.to_owned(),
            values,
        })
    }
}

/// A value as JSON: a literal where it parses, else a string.
fn literal(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| {
        // RON tuples `(2, 8)` become arrays.
        let bracketed = text
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .map(|inner| format!("[{inner}]"));
        bracketed
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_else(|| Value::String(text.to_owned()))
    })
}

/// `ItemCf` → `item_cf`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The name of a list element that is an enum variant (`"Popularity"` or
/// `{"Svd": {…}}`), in snake case.
fn variant_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(snake(s)),
        Value::Object(m) if m.len() == 1 => m.keys().next().map(|k| snake(k)),
        _ => None,
    }
}

/// The child of `node` named `segment`, passing through a single-variant wrapper.
fn child<'a>(node: &'a mut Value, segment: &str) -> Option<&'a mut Value> {
    match node {
        Value::Object(map) => {
            if map.contains_key(segment) {
                return map.get_mut(segment);
            }
            if map.len() == 1 {
                let inner = map.values_mut().next().expect("one entry");
                if inner.is_object() {
                    return child(inner, segment);
                }
            }
            None
        }
        Value::Array(items) => {
            if let Ok(i) = segment.parse::<usize>() {
                return items.get_mut(i);
            }
            items
                .iter_mut()
                .find(|v| variant_name(v).as_deref() == Some(segment))
        }
        _ => None,
    }
}

fn known_children(node: &Value) -> String {
    match node {
        Value::Object(map) if map.len() == 1 && map.values().all(Value::is_object) => {
            known_children(map.values().next().expect("one entry"))
        }
        Value::Object(map) => map.keys().cloned().collect::<Vec<_>>().join(", "),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(variant_name).collect();
            format!(
                "an index 0..{} or one of [{}]",
                items.len(),
                names.join(", ")
            )
        }
        _ => "nothing (it is a value, not a section)".into(),
    }
}

/// `base` with every `(path, value)` applied, validated.
///
/// # Errors
///
/// [`SetError`] naming the path and value that do not fit.
pub fn apply(base: &Scenario, assignments: &[(&str, &str)]) -> Result<Scenario, SetError> {
    let mut root = serde_json::to_value(base.spec()).expect("a scenario always serialises");
    for &(path, value) in assignments {
        let mut node = &mut root;
        let mut parent = String::from("the scenario");
        for segment in path.split('.') {
            let known = known_children(node);
            node = child(node, segment).ok_or_else(|| SetError::NoField {
                path: path.to_owned(),
                segment: segment.to_owned(),
                parent: parent.clone(),
                known,
            })?;
            parent = format!(
                "`{}`",
                &path[..path.find(segment).unwrap_or(0) + segment.len()]
            );
        }
        if node.is_object() && node.as_object().is_some_and(|m| m.len() > 1) {
            return Err(SetError::Value {
                path: path.to_owned(),
                value: value.to_owned(),
                problem: format!(
                    "`{path}` is a section, not a value; fix: set one of its fields: {}",
                    known_children(node)
                ),
            });
        }
        *node = literal(value);
    }
    let spec: ScenarioSpec = serde_json::from_value(root).map_err(|e| SetError::Value {
        path: assignments.iter().map(|a| a.0).collect::<Vec<_>>().join(", "),
        value: assignments.iter().map(|a| a.1).collect::<Vec<_>>().join(", "),
        problem: format!("the value does not fit the field ({e}); fix: use a value of the field's type (docs/SCENARIOS.md)"),
    })?;
    spec.validate(Path::new("--set"), base.name())
        .map_err(|e| SetError::Value {
            path: assignments
                .iter()
                .map(|a| a.0)
                .collect::<Vec<_>>()
                .join(", "),
            value: assignments
                .iter()
                .map(|a| a.1)
                .collect::<Vec<_>>()
                .join(", "),
            problem: e.to_string(),
        })
}

/// Every combination of the settings' values, the first setting varying slowest;
/// one empty combination without settings.
#[must_use]
pub fn combinations(settings: &[Setting]) -> Vec<Vec<usize>> {
    let mut out = vec![Vec::new()];
    for s in settings {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..s.values.len()).map(move |i| {
                    let mut c = prefix.clone();
                    c.push(i);
                    c
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smoke() -> Scenario {
        Scenario::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/smoke.ron"))
            .unwrap()
    }

    #[test]
    fn every_shipped_scenario_survives_the_json_round_trip() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let scenario = Scenario::from_file(&path).unwrap();
            let back = apply(&scenario, &[]).unwrap();
            assert_eq!(back.spec(), scenario.spec(), "{}", path.display());
        }
    }

    #[test]
    fn paths_reach_fields_variants_and_arms_by_name() {
        let base = smoke();
        let s = apply(
            &base,
            &[
                ("stack.diversity.weight", "0.3"),
                ("stack.slate_size", "8"),
                ("stack.blend", "z_score"),
                ("population.n_users", "300"),
            ],
        )
        .unwrap();
        assert_eq!(s.spec().stack.diversity.weight, 0.3);
        assert_eq!(s.spec().stack.slate_size, 8);
        assert_eq!(s.spec().population.n_users, 300);
        let mut spec = base.spec().clone();
        spec.stack.arms.push(crate::scenario::spec::ArmSpec::Svd {
            factors: 32,
            learning_rate: 0.01,
            regularisation: 0.05,
            epochs: 20,
            update_epochs: 3,
            init_sd: 0.1,
        });
        spec.stack.policy = crate::scenario::spec::PolicySpec::thompson();
        let with_svd = spec.validate(Path::new("t"), "t").unwrap();
        let s = apply(
            &with_svd,
            &[
                ("stack.arms.svd.factors", "8"),
                ("stack.policy.prior", "(2, 8)"),
            ],
        )
        .unwrap();
        assert!(matches!(
            s.spec().stack.arms[2],
            crate::scenario::spec::ArmSpec::Svd { factors: 8, .. }
        ));
        assert!(matches!(
            s.spec().stack.policy,
            crate::scenario::spec::PolicySpec::Thompson {
                prior: (2.0, 8.0),
                ..
            }
        ));
    }

    #[test]
    fn bad_paths_and_values_name_the_fix() {
        let base = smoke();
        let e = apply(&base, &[("stack.diversty.weight", "0.3")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("`diversty`") && e.contains("diversity"), "{e}");
        let e = apply(&base, &[("stack.slate_size", "ten")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("stack.slate_size=ten"), "{e}");
        let e = apply(&base, &[("stack.slate_size", "0")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("stack.slate_size"), "{e}");
        let e = apply(&base, &[("stack.diversity", "1")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a section"), "{e}");
    }

    #[test]
    fn settings_parse_and_combine_first_slowest() {
        let a = Setting::parse("stack.policy.prior=(1, 1),(2, 8)").unwrap();
        assert_eq!(a.values, ["(1, 1)", "(2, 8)"]);
        assert!(Setting::parse("nothing").is_err());
        assert!(Setting::parse("a=1,,2").is_err());
        let b = Setting::parse("x=1,2,3").unwrap();
        assert_eq!(
            combinations(&[a, b]),
            [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]
        );
        assert_eq!(combinations(&[]), [Vec::<usize>::new()]);
    }
}
