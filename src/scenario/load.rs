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
        let spanned = |err: ron::error::SpannedError, field: Option<String>| ScenarioError::Parse {
            path: path.to_owned(),
            line: err.span.start.line,
            column: err.span.start.col,
            field,
            message: explain(&err.code),
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

/// RON's message, with the fix spelled out for the common mistakes.
fn explain(code: &ron::Error) -> String {
    match code {
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
        let src = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            path: path.to_owned(),
            source,
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
