//! Reading a scenario file.

use std::path::Path;

use ron::extensions::Extensions;

use super::genre_defaults::WrittenLists;
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
            // `days: 30.5` stops RON after `30`, at the `.`: say an integer was wanted.
            let at_fraction = src
                .lines()
                .nth(line.saturating_sub(1))
                .and_then(|l| l.chars().nth(column.saturating_sub(1)))
                == Some('.');
            let message = if at_fraction && matches!(err.code, ron::Error::ExpectedComma) {
                "a whole number is expected here, not a decimal; fix: write an integer \
                 such as `30`, not `30.5`"
                    .to_owned()
            } else {
                explain(&err.code, field.as_deref())
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

/// The whole numbers a scenario's integer field holds, by the field's last name: the
/// few narrow fields are listed, every other integer field is a 64-bit count.
fn integer_range(field: Option<&str>) -> &'static str {
    let last = field
        .unwrap_or("")
        .trim_end_matches(".?")
        .rsplit('.')
        .next()
        .unwrap_or("");
    let in_years = field.is_some_and(|f| f.contains("years"));
    match last {
        "success_min_rating" | "failure_max_rating" => "0 – 255 (stars: 0 – 5 make sense)",
        "min" | "max" if in_years => "0 – 65,535 (a year)",
        "days" | "warm_up_days" | "timeseries_bucket_hours" => "0 – 4,294,967,295",
        _ => "0 – 18,446,744,073,709,551,615 (see docs/SCENARIOS.md for the field's own range)",
    }
}

/// RON's message, with the fix spelled out for the common mistakes.
fn explain(code: &ron::Error, field: Option<&str>) -> String {
    match code {
        ron::Error::IntegerOutOfBounds => format!(
            "the integer does not fit this field; fix: use a whole number in {}",
            integer_range(field)
        ),
        ron::Error::ExpectedInteger => "expected an integer; fix: write a whole number \
             without a decimal point or sign, e.g. `30`, not `30.0` or `-3`"
            .into(),
        ron::Error::ExpectedComma => "expected a `,` or the closing bracket; fix: separate \
             fields with commas"
            .into(),
        ron::Error::TrailingCharacters => "text after the scenario's closing `)`; fix: \
             remove it, or move the fields inside the outer parentheses"
            .into(),
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
