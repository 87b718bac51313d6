//! The short policy syntax of the command line: `thompson(prior=2,8)`.
//!
//! ```text
//! policy   = name [ "(" [ arg { "," arg } ] ")" ]
//! arg      = key "=" value { "," value }       (extra values continue the key)
//! ```
//!
//! | name | keys (defaults as in scenarios) |
//! | --- | --- |
//! | `thompson` | `prior=α,β` `context=f1+f2` (`context=none`: one context) `discount=γ` `pooling=m` |
//! | `epsilon_greedy` (`egreedy`) | `epsilon=ε` and the keys of `thompson` |
//! | `ucb1` (`ucb`) | `c=…` and the keys of `thompson` |
//! | `static` (`static_weights`) | `arm=weight` per arm; none = equal weights |
//! | `uniform`, `oracle` | none |
//!
//! Context features: `daypart`, `day_type`, `segment`, `saturation`, `session_phase`.
//! For example `thompson(prior=2,8,context=daypart+segment,discount=0.999)`.

use std::collections::BTreeMap;
use std::fmt;

use crate::scenario::spec::{ContextFeature, PolicySpec};

/// A policy string that does not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("policy `{text}`: at `{token}`: {problem}")]
pub struct PolicySyntaxError {
    /// The whole policy string.
    pub text: String,
    /// The offending token.
    pub token: String,
    /// What is wrong and how to fix it.
    pub problem: String,
}

/// Parses a short policy string into a spec; `arms` names the stack's arms (for
/// `static` without weights). Values are range-checked later by scenario validation.
///
/// # Errors
///
/// [`PolicySyntaxError`] naming the bad token.
pub fn parse_policy(text: &str, arms: &[&str]) -> Result<PolicySpec, PolicySyntaxError> {
    let fail = |token: &str, problem: String| PolicySyntaxError {
        text: text.to_owned(),
        token: token.to_owned(),
        problem,
    };
    let trimmed = text.trim();
    let (name, body) = match trimmed.find('(') {
        Some(open) => {
            let Some(inner) = trimmed[open + 1..].strip_suffix(')') else {
                return Err(fail(
                    trimmed,
                    "missing the closing `)`; fix: close the parentheses".into(),
                ));
            };
            (trimmed[..open].trim(), inner)
        }
        None => (trimmed, ""),
    };
    let mut args: Vec<(String, Vec<String>)> = Vec::new();
    for token in body.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        match token.split_once('=') {
            Some((key, value)) => {
                let key = key.trim().to_owned();
                if args.iter().any(|(k, _)| *k == key) {
                    return Err(fail(
                        token,
                        format!("`{key}` is given twice; fix: keep one"),
                    ));
                }
                args.push((key, vec![value.trim().to_owned()]));
            }
            None => match args.last_mut() {
                Some((_, values)) => values.push(token.to_owned()),
                None => {
                    return Err(fail(
                        token,
                        "expected `key=value`; fix: write e.g. `prior=2,8`".into(),
                    ));
                }
            },
        }
    }
    let mut learner = Learner::default();
    let mut extra: Option<f64> = None;
    let (extra_key, default_extra) = match name {
        "thompson" => ("", 0.0),
        "epsilon_greedy" | "egreedy" => ("epsilon", 0.1),
        "ucb1" | "ucb" => ("c", 2.0),
        "static" | "static_weights" => {
            let mut weights = BTreeMap::new();
            for (key, values) in &args {
                let token = format!("{key}={}", values.join(","));
                weights.insert(key.clone(), number(&values[..], &token, &fail)?);
            }
            if weights.is_empty() {
                weights = arms.iter().map(|&a| (a.to_owned(), 1.0)).collect();
            }
            return Ok(PolicySpec::StaticWeights { weights });
        }
        "uniform" | "oracle" => {
            if let Some((key, _)) = args.first() {
                return Err(fail(
                    key,
                    format!("`{name}` takes no parameters; fix: write `{name}` alone"),
                ));
            }
            return Ok(if name == "uniform" {
                PolicySpec::Uniform
            } else {
                PolicySpec::Oracle
            });
        }
        _ => {
            return Err(fail(
                name,
                "unknown policy; fix: use thompson, epsilon_greedy, ucb1, static, uniform or oracle"
                    .into(),
            ));
        }
    };
    for (key, values) in &args {
        let token = format!("{key}={}", values.join(","));
        match key.as_str() {
            "prior" => {
                let [a, b] = values.as_slice() else {
                    return Err(fail(&token, "`prior` takes two numbers: prior=α,β".into()));
                };
                learner.prior = (
                    number(std::slice::from_ref(a), &token, &fail)?,
                    number(std::slice::from_ref(b), &token, &fail)?,
                );
            }
            "context" => {
                let [value] = values.as_slice() else {
                    return Err(fail(
                        &token,
                        "join context features with `+`, e.g. context=daypart+day_type".into(),
                    ));
                };
                learner.context = if value == "none" || value.is_empty() {
                    Vec::new()
                } else {
                    value
                        .split('+')
                        .map(|f| feature(f.trim()).ok_or_else(|| fail(f, unknown_feature())))
                        .collect::<Result<_, _>>()?
                };
            }
            "discount" => {
                learner.discount = if values.len() == 1 && values[0] == "none" {
                    None
                } else {
                    Some(number(values, &token, &fail)?)
                };
            }
            "pooling" => learner.pooling = number(values, &token, &fail)?,
            k if !extra_key.is_empty() && k == extra_key => {
                extra = Some(number(values, &token, &fail)?);
            }
            _ => {
                let mut keys = vec!["prior", "context", "discount", "pooling"];
                if !extra_key.is_empty() {
                    keys.insert(0, extra_key);
                }
                return Err(fail(
                    key,
                    format!(
                        "unknown parameter of `{name}`; fix: use one of {}",
                        keys.join(", ")
                    ),
                ));
            }
        }
    }
    let Learner {
        prior,
        context,
        discount,
        pooling,
    } = learner;
    Ok(match name {
        "thompson" => PolicySpec::Thompson {
            prior,
            context,
            discount,
            pooling,
        },
        "epsilon_greedy" | "egreedy" => PolicySpec::EpsilonGreedy {
            epsilon: extra.unwrap_or(default_extra),
            context,
            prior,
            discount,
            pooling,
        },
        _ => PolicySpec::Ucb1 {
            c: extra.unwrap_or(default_extra),
            context,
            prior,
            discount,
            pooling,
        },
    })
}

/// The parameters every learning policy shares, with the scenario defaults.
struct Learner {
    prior: (f64, f64),
    context: Vec<ContextFeature>,
    discount: Option<f64>,
    pooling: f64,
}

impl Default for Learner {
    fn default() -> Self {
        match PolicySpec::thompson() {
            PolicySpec::Thompson {
                prior,
                context,
                discount,
                pooling,
            } => Self {
                prior,
                context,
                discount,
                pooling,
            },
            _ => unreachable!("PolicySpec::thompson builds a Thompson spec"),
        }
    }
}

fn number(
    values: &[String],
    token: &str,
    fail: &impl Fn(&str, String) -> PolicySyntaxError,
) -> Result<f64, PolicySyntaxError> {
    match values {
        [v] => v.parse::<f64>().map_err(|_| {
            fail(
                token,
                format!("`{v}` is not a number; fix: write a number such as 0.5"),
            )
        }),
        _ => Err(fail(
            token,
            "expected one number; fix: give one value".into(),
        )),
    }
}

fn feature(name: &str) -> Option<ContextFeature> {
    ContextFeature::ALL.into_iter().find(|f| f.name() == name)
}

fn unknown_feature() -> String {
    let names: Vec<&str> = ContextFeature::ALL.iter().map(|f| f.name()).collect();
    format!(
        "unknown context feature; fix: use one of {}",
        names.join(", ")
    )
}

/// Writes a spec back in the short syntax (all parameters spelled out).
pub struct ShortSyntax<'a>(pub &'a PolicySpec);

impl fmt::Display for ShortSyntax<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let learner = |f: &mut fmt::Formatter<'_>,
                       prior: (f64, f64),
                       context: &[ContextFeature],
                       discount: Option<f64>,
                       pooling: f64| {
            let context: Vec<&str> = context.iter().map(|c| c.name()).collect();
            let context = if context.is_empty() {
                "none".to_owned()
            } else {
                context.join("+")
            };
            let discount = discount.map_or_else(|| "none".to_owned(), |g| g.to_string());
            write!(
                f,
                "prior={},{},context={context},discount={discount},pooling={pooling})",
                prior.0, prior.1
            )
        };
        match self.0 {
            PolicySpec::StaticWeights { weights } => {
                let w: Vec<String> = weights.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "static({})", w.join(","))
            }
            PolicySpec::Uniform => f.write_str("uniform"),
            PolicySpec::Oracle => f.write_str("oracle"),
            PolicySpec::Thompson {
                prior,
                context,
                discount,
                pooling,
            } => {
                f.write_str("thompson(")?;
                learner(f, *prior, context, *discount, *pooling)
            }
            PolicySpec::EpsilonGreedy {
                epsilon,
                context,
                prior,
                discount,
                pooling,
            } => {
                write!(f, "epsilon_greedy(epsilon={epsilon},")?;
                learner(f, *prior, context, *discount, *pooling)
            }
            PolicySpec::Ucb1 {
                c,
                context,
                prior,
                discount,
                pooling,
            } => {
                write!(f, "ucb1(c={c},")?;
                learner(f, *prior, context, *discount, *pooling)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARMS: [&str; 2] = ["popularity", "random"];

    #[test]
    fn parses_defaults_and_parameters() {
        assert_eq!(
            parse_policy("thompson", &ARMS).unwrap(),
            PolicySpec::thompson()
        );
        let spec = parse_policy("thompson(prior=2,8)", &ARMS).unwrap();
        let PolicySpec::Thompson { prior, .. } = spec else {
            panic!("{spec:?}")
        };
        assert_eq!(prior, (2.0, 8.0));
        let spec = parse_policy(
            "thompson(prior=2,8, context=none, discount=0.99, pooling=0)",
            &ARMS,
        )
        .unwrap();
        assert_eq!(
            spec,
            PolicySpec::Thompson {
                prior: (2.0, 8.0),
                context: vec![],
                discount: Some(0.99),
                pooling: 0.0
            }
        );
        assert_eq!(
            parse_policy(&ShortSyntax(&spec).to_string(), &ARMS).unwrap(),
            spec
        );
        let PolicySpec::EpsilonGreedy {
            epsilon, context, ..
        } = parse_policy("egreedy(epsilon=0.2,context=daypart+segment)", &ARMS).unwrap()
        else {
            panic!()
        };
        assert_eq!(epsilon, 0.2);
        assert_eq!(context, [ContextFeature::Daypart, ContextFeature::Segment]);
        assert_eq!(parse_policy("ucb1", &ARMS).unwrap(), PolicySpec::ucb1());
        assert_eq!(parse_policy(" oracle ", &ARMS).unwrap(), PolicySpec::Oracle);
        let PolicySpec::StaticWeights { weights } = parse_policy("static", &ARMS).unwrap() else {
            panic!()
        };
        assert_eq!(weights.len(), 2);
        let PolicySpec::StaticWeights { weights } =
            parse_policy("static(popularity=0.7,random=0.3)", &ARMS).unwrap()
        else {
            panic!()
        };
        assert_eq!(weights["popularity"], 0.7);
    }

    #[test]
    fn errors_name_the_bad_token() {
        let err = |s: &str| parse_policy(s, &ARMS).unwrap_err();
        assert_eq!(err("thompsn").token, "thompsn");
        assert_eq!(err("thompson(prior=2)").token, "prior=2");
        assert_eq!(err("thompson(prior=2,x)").token, "prior=2,x");
        assert_eq!(err("thompson(context=daypart+mood)").token, "mood");
        assert_eq!(err("thompson(epsilon=0.1)").token, "epsilon");
        assert_eq!(err("thompson(prior=1,1").token, "thompson(prior=1,1");
        assert_eq!(err("uniform(x=1)").token, "x");
        assert_eq!(err("ucb1(2)").token, "2");
        let msg = err("thompson(prior=2)").to_string();
        assert!(
            msg.contains("`prior=2`") && msg.contains("prior=α,β"),
            "{msg}"
        );
    }
}
