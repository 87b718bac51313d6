//! Reading a scenario file.

use std::path::Path;

use ron::extensions::Extensions;

use super::genre_defaults::WrittenLists;
use super::limits::integer_limit;
use super::{Scenario, ScenarioError, ScenarioSpec};

impl ScenarioSpec {
    /// Parses RON text. `path` only names the source in errors.
    ///
    /// The `implicit_some` extension is on, so optional fields are written plainly
    /// (`name: "x"`, not `name: Some("x")`). Left-out defaults that name genres keep
    /// only the genres of `catalogue.genres` (see `genre_defaults.rs`).
    ///
    /// # Errors
    ///
    /// [`ScenarioError::Parse`] with line, column and the path of the field being read.
    pub fn from_ron_str(src: &str, path: &Path) -> Result<Self, ScenarioError> {
        let options = ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME);
        let spanned = |err: ron::error::SpannedError, field: Option<String>| {
            let (line, column) = (err.span.start.line, err.span.start.col);
            let line_text = src.lines().nth(line.saturating_sub(1)).unwrap_or("");
            // `days: 30.5` stops RON after `30`, at the `.`: say an integer was wanted,
            // and name the field, which serde has already left.
            let at = line_text.char_indices().nth(column.saturating_sub(1));
            let at_fraction = at.is_some_and(|(_, ch)| ch == '.');
            let (message, field) = if at_fraction && matches!(err.code, ron::Error::ExpectedComma) {
                let key = at.and_then(|(byte, _)| key_before(line_text, byte));
                // serde names the key it had not read yet `?`: `horizon.?`.
                let parent = field
                    .as_deref()
                    .map(|f| f.trim_end_matches(".?").trim_end_matches('?'));
                let field = match (parent, key) {
                    (Some(parent), Some(key)) if !parent.is_empty() => {
                        Some(format!("{parent}.{key}"))
                    }
                    (_, Some(key)) => Some(key.to_owned()),
                    (_, None) => field,
                };
                let fix = field
                    .as_deref()
                    .and_then(integer_limit)
                    .map_or_else(|| "write an integer such as `30`".to_owned(), |l| l.fix());
                (
                    format!(
                        "a whole number is expected here, not a decimal; fix: {fix}, \
                             without a decimal point"
                    ),
                    field,
                )
            } else {
                (explain(&err.code, field.as_deref()), field)
            };
            ScenarioError::Parse {
                path: path.to_owned(),
                line,
                column,
                message,
                field,
            }
        };
        let mut de = ron::Deserializer::from_str_with_options(src, &options)
            .map_err(|e| spanned(e, None))?;
        let spec = serde_path_to_error::deserialize::<_, ScenarioSpec>(&mut de).map_err(|e| {
            let field = e.path().to_string();
            let err = de.span_error(e.into_inner());
            spanned(err, Some(field))
        })?;
        de.end().map_err(|e| spanned(de.span_error(e), None))?;
        let mut spec = spec;
        spec.fit_genre_defaults(WrittenLists::of(src, &options));
        Ok(spec)
    }
}

/// The name of the `key: value` pair whose value ends at byte `end` of `line`:
/// `(horizon: (days: 30` → `days`.
fn key_before(line: &str, end: usize) -> Option<&str> {
    let head = line.get(..end)?;
    let head = head.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
    let head = head.trim_end().strip_suffix(':')?.trim_end();
    let start = head
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let key = &head[start..];
    (!key.is_empty() && !key.starts_with(|c: char| c.is_ascii_digit())).then_some(key)
}

/// RON's message, with the fix spelled out for the common mistakes.
fn explain(code: &ron::Error, field: Option<&str>) -> String {
    match code {
        // The field's own range (`horizon.days`: 1 – 3,650), not its type's.
        ron::Error::IntegerOutOfBounds => format!(
            "the integer does not fit this field; fix: {}",
            field.and_then(integer_limit).map_or_else(
                || "use a smaller whole number (see docs/SCENARIOS.md for the field's range)"
                    .to_owned(),
                |limit| limit.fix()
            )
        ),
        ron::Error::ExpectedInteger => format!(
            "expected an integer; fix: {}, without a decimal point, e.g. `30`, not `30.0`",
            field
                .and_then(integer_limit)
                .map_or_else(|| "write a whole number".to_owned(), |limit| limit.fix())
        ),
        ron::Error::ExpectedComma => "expected a `,` or the closing bracket; fix: separate \
             fields with commas"
            .into(),
        ron::Error::TrailingCharacters => "text after the scenario's closing `)`; fix: \
             remove it, or move the fields inside the outer parentheses"
            .into(),
        ron::Error::InvalidIntegerDigit { .. } => format!(
            "expected a whole number written with digits only, not with an exponent \
             such as `1e5`; fix: {}",
            field
                .and_then(integer_limit)
                .map_or_else(|| "write a whole number".to_owned(), |limit| limit.fix())
        ),
        ron::Error::ExpectedFloat => "expected a number; fix: write a number such as \
             `0.5` or `2`"
            .into(),
        ron::Error::NoSuchStructField {
            expected, found, ..
        } => format!(
            "unknown field `{found}`; fix: use one of {} (see docs/SCENARIOS.md)",
            expected.join(", ")
        ),
        ron::Error::NoSuchEnumVariant {
            expected, found, ..
        } => format!(
            "unknown variant `{found}`; fix: use one of {}",
            expected.join(", ")
        ),
        ron::Error::MissingStructField { field, .. } => {
            format!("missing field `{field}`; fix: add `{field}: …` (see docs/SCENARIOS.md)")
        }
        ron::Error::ExpectedStructLike => "expected `(…)`; fix: an arm with default \
             parameters is written with parentheses, e.g. `Svd()` or `Svd(factors: 64)`"
            .into(),
        ron::Error::DuplicateStructField { field, .. } => {
            format!("field `{field}` is given twice; fix: keep one")
        }
        other => other.to_string(),
    }
}

impl Scenario {
    /// Reads, parses and validates a scenario file; the name defaults to the file stem.
    ///
    /// # Errors
    ///
    /// [`ScenarioError`] naming the file, and the line, column and field where known.
    pub fn from_file(path: &Path) -> Result<Self, ScenarioError> {
        let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
            path: path.to_owned(),
            source,
        })?;
        let src = String::from_utf8(bytes).map_err(|_| ScenarioError::NotText {
            path: path.to_owned(),
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario")
            .to_owned();
        Self::from_ron_str(&src, path, &stem)
    }

    /// Parses and validates RON text; `path` names the source in errors.
    ///
    /// # Errors
    ///
    /// As [`Scenario::from_file`], without the read error.
    pub fn from_ron_str(
        src: &str,
        path: &Path,
        fallback_name: &str,
    ) -> Result<Self, ScenarioError> {
        ScenarioSpec::from_ron_str(src, path)?.validate(path, fallback_name)
    }
}
