//! Item vectors: the simulated content views, or a file of real embeddings.
//!
//! A vector file maps movie ids to vectors, so that real BERT or ResNet exports can
//! replace the simulated views:
//!
//! - CSV: one row per movie, `id,v1,…,vd`; an optional first header row (any row whose
//!   first cell is not an integer); blank lines and `#` comments skipped.
//! - `.npy` (NumPy format 1.0–3.0): a C-order 2-D array of `<f4` or `<f8` whose first
//!   column is the movie id and the rest the vector.
//!
//! Every movie of the catalogue needs exactly one vector, all of one dimension.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::interaction::Interaction;

use super::history::Histories;

/// Why a vector file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VectorFileError {
    /// The file could not be read.
    #[error("{}: cannot read the vector file: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A row or header is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line (CSV) or row + 1 (`.npy`); 0 for the `.npy` header.
        line: usize,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// A vector has another dimension than the first one.
    #[error("{}:{line}: vector of movie {id} has {found} values, the first vector had {expected}; fix: export every vector with the same dimension", path.display())]
    Dimension {
        /// The file.
        path: PathBuf,
        /// 1-based line or row.
        line: usize,
        /// The movie.
        id: u64,
        /// Dimension of the first vector.
        expected: usize,
        /// Dimension found.
        found: usize,
    },
    /// An id is not a movie of the catalogue, or appears twice.
    #[error("{}:{line}: movie id {id} {problem}; fix: use ids 0..{n_movies}, each once (the catalogue's movie ids)", path.display())]
    BadId {
        /// The file.
        path: PathBuf,
        /// 1-based line or row.
        line: usize,
        /// The id found.
        id: String,
        /// "is unknown" or "appears twice".
        problem: &'static str,
        /// Movies in the catalogue.
        n_movies: usize,
    },
    /// Some movies have no vector.
    #[error("{}: {n_missing} movie(s) have no vector, the first is movie {first}; fix: export a vector for every movie 0..{n_movies}", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// Movies without a vector.
        n_missing: usize,
        /// The lowest such id.
        first: usize,
        /// Movies in the catalogue.
        n_movies: usize,
    },
}

/// Reads a vector file (`.npy` by extension, CSV otherwise) for `n_movies` movies;
/// `vectors[i]` is movie i's vector.
///
/// # Errors
///
/// [`VectorFileError`] naming the file, the line and the fix.
pub fn load_item_vectors(path: &Path, n_movies: usize) -> Result<Vec<Vec<f32>>, VectorFileError> {
    let bytes = std::fs::read(path).map_err(|source| VectorFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let rows = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
    {
        parse_npy(path, &bytes)?
    } else {
        parse_csv(path, &String::from_utf8_lossy(&bytes))?
    };
    assemble(path, rows, n_movies)
}

/// (line, id text, values).
type Row = (usize, String, Vec<f32>);

fn parse_csv(path: &Path, text: &str) -> Result<Vec<Row>, VectorFileError> {
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut cells = trimmed.split(',').map(str::trim);
        let id = cells.next().unwrap_or("").to_owned();
        if rows.is_empty() && id.parse::<f64>().is_err() {
            continue; // a header row
        }
        let values = cells
            .map(|c| {
                c.parse::<f32>().map_err(|_| VectorFileError::Malformed {
                    path: path.to_owned(),
                    line: line_no,
                    message: format!(
                        "{c:?} is not a number; fix: write `id,v1,…,vd` rows of numbers"
                    ),
                })
            })
            .collect::<Result<Vec<f32>, _>>()?;
        rows.push((line_no, id, values));
    }
    Ok(rows)
}

fn parse_npy(path: &Path, bytes: &[u8]) -> Result<Vec<Row>, VectorFileError> {
    let bad = |message: String| VectorFileError::Malformed {
        path: path.to_owned(),
        line: 0,
        message,
    };
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad(
            "not a .npy file (missing the \\x93NUMPY magic); fix: save with numpy.save".into(),
        ));
    }
    let (header_len, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => {
            return Err(bad(format!(
                "unsupported .npy version {v}; fix: save with numpy ≥ 1.0 format 1–3"
            )));
        }
    };
    let header = bytes
        .get(start..start + header_len)
        .map(String::from_utf8_lossy)
        .ok_or_else(|| bad("truncated header".into()))?;
    let width = if header.contains("'<f4'") {
        4
    } else if header.contains("'<f8'") {
        8
    } else {
        return Err(bad(format!(
            "dtype in {header:?} is not little-endian float32 or float64; fix: save as float32 or float64"
        )));
    };
    if header.contains("'fortran_order': True") {
        return Err(bad(
            "Fortran order is not supported; fix: save a C-order array (np.ascontiguousarray)"
                .into(),
        ));
    }
    let shape_text = header
        .split("'shape':")
        .nth(1)
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape in the header".into()))?;
    let dims: Vec<usize> = shape_text
        .trim_start_matches([' ', '('])
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad(format!("cannot read the shape {shape_text:?}")))?;
    let [n_rows, n_cols] = dims[..] else {
        return Err(bad(format!(
            "array has shape {dims:?}; fix: save a 2-D array (id column + vector)"
        )));
    };
    if n_cols < 2 {
        return Err(bad(
            "array has fewer than 2 columns; fix: first column id, then the vector".into(),
        ));
    }
    let data = &bytes[start + header_len..];
    if data.len() < n_rows * n_cols * width {
        return Err(bad("data shorter than the shape says".into()));
    }
    let value = |k: usize| -> f64 {
        let at = k * width;
        if width == 4 {
            f64::from(f32::from_le_bytes(
                data[at..at + 4].try_into().expect("4 bytes"),
            ))
        } else {
            f64::from_le_bytes(data[at..at + 8].try_into().expect("8 bytes"))
        }
    };
    Ok((0..n_rows)
        .map(|r| {
            let id = value(r * n_cols);
            let id_text = if id.fract() == 0.0 && id >= 0.0 {
                format!("{}", id as u64)
            } else {
                format!("{id}")
            };
            let values = (1..n_cols).map(|c| value(r * n_cols + c) as f32).collect();
            (r + 1, id_text, values)
        })
        .collect())
}

fn assemble(
    path: &Path,
    rows: Vec<Row>,
    n_movies: usize,
) -> Result<Vec<Vec<f32>>, VectorFileError> {
    let mut vectors: Vec<Option<Vec<f32>>> = vec![None; n_movies];
    let mut dim = None;
    for (line, id_text, values) in rows {
        let bad_id = |problem| VectorFileError::BadId {
            path: path.to_owned(),
            line,
            id: id_text.clone(),
            problem,
            n_movies,
        };
        let id = id_text
            .parse::<u64>()
            .ok()
            .filter(|&id| (id as usize) < n_movies)
            .ok_or_else(|| bad_id("is unknown"))?;
        let expected = *dim.get_or_insert(values.len());
        if values.len() != expected || expected == 0 {
            return Err(VectorFileError::Dimension {
                path: path.to_owned(),
                line,
                id,
                expected,
                found: values.len(),
            });
        }
        let slot = &mut vectors[id as usize];
        if slot.is_some() {
            return Err(bad_id("appears twice"));
        }
        *slot = Some(values);
    }
    let n_missing = vectors.iter().filter(|v| v.is_none()).count();
    if n_missing > 0 {
        let first = vectors
            .iter()
            .position(Option::is_none)
            .expect("one is missing");
        return Err(VectorFileError::Missing {
            path: path.to_owned(),
            n_missing,
            first,
            n_movies,
        });
    }
    Ok(vectors.into_iter().map(|v| v.expect("checked")).collect())
}

/// Unit-length vectors stored row-major for fast cosine scans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UnitVectors {
    dim: usize,
    data: Vec<f32>,
}

impl UnitVectors {
    /// Normalises each vector (a zero vector stays zero) and concatenates `parts`
    /// per item: with two views, each view is normalised first, so both weigh the
    /// same, and the concatenation is normalised again.
    #[must_use]
    pub fn from_parts(items: &[Vec<&[f32]>]) -> Self {
        let dim = items
            .first()
            .map_or(0, |parts| parts.iter().map(|p| p.len()).sum());
        let mut data = Vec::with_capacity(items.len() * dim);
        for parts in items {
            let start = data.len();
            for part in parts {
                let norm = part.iter().map(|x| x * x).sum::<f32>().sqrt();
                data.extend(part.iter().map(|x| if norm > 0.0 { x / norm } else { 0.0 }));
            }
            normalise(&mut data[start..]);
        }
        Self { dim, data }
    }

    /// Dimension.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of items.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Whether there are no items.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Item `i`'s unit vector.
    #[must_use]
    #[inline]
    pub fn get(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The unit-length, weight-weighted mean of some items' vectors; `None` when the
    /// weights are all ≤ 0 or the mean is zero.
    #[must_use]
    pub fn profile(&self, items: impl Iterator<Item = (usize, f32)>) -> Option<Vec<f32>> {
        let mut mean = vec![0f32; self.dim];
        let mut any = false;
        for (i, w) in items.filter(|&(_, w)| w > 0.0) {
            any = true;
            for (m, x) in mean.iter_mut().zip(self.get(i)) {
                *m += w * x;
            }
        }
        (any && normalise(&mut mean)).then_some(mean)
    }
}

/// Every user's content profile ([`UnitVectors::profile`] of their history), kept
/// with the histories it was built from: built for all users at `fit`, rebuilt for
/// the users of new interactions at `update`, read by every request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserProfiles {
    dim: usize,
    /// `n_users × dim`, row-major; rows of users without a profile are zero.
    data: Vec<f32>,
    present: Vec<bool>,
}

impl UserProfiles {
    /// Profiles of every user of `histories`, in parallel over users.
    #[must_use]
    pub fn build(vectors: &UnitVectors, histories: &Histories) -> Self {
        let dim = vectors.dim();
        let n = histories.n_users();
        let mut profiles = Self {
            dim,
            data: vec![0.0; n * dim],
            present: vec![false; n],
        };
        profiles
            .data
            .par_chunks_mut(dim.max(1))
            .zip(profiles.present.par_iter_mut())
            .enumerate()
            .for_each(|(u, (row, present))| {
                *present = fill_profile(vectors, histories, u, row);
            });
        profiles
    }

    /// Rebuilds the profiles of the users of `new` from `histories` (which already
    /// hold `new`).
    pub fn refresh(&mut self, vectors: &UnitVectors, histories: &Histories, new: &[Interaction]) {
        let mut users: Vec<usize> = new.iter().map(|i| i.user.index()).collect();
        users.sort_unstable();
        users.dedup();
        if let Some(&last) = users.last()
            && last >= self.present.len()
        {
            self.present.resize(last + 1, false);
            self.data.resize((last + 1) * self.dim, 0.0);
        }
        for u in users {
            let row = &mut self.data[u * self.dim..(u + 1) * self.dim];
            self.present[u] = fill_profile(vectors, histories, u, row);
        }
    }

    /// User `u`'s profile; `None` without a liked movie.
    #[must_use]
    pub fn of(&self, u: crate::ids::UserId) -> Option<&[f32]> {
        let u = u.index();
        (self.present.get(u) == Some(&true)).then(|| &self.data[u * self.dim..(u + 1) * self.dim])
    }
}

/// Writes user `u`'s profile into `row`; false (and `row` zero) without one.
fn fill_profile(vectors: &UnitVectors, histories: &Histories, u: usize, row: &mut [f32]) -> bool {
    let user = crate::ids::UserId(u32::try_from(u).expect("user count fits u32"));
    let history = histories.of(user);
    match vectors.profile(history.iter().map(|e| (e.movie.index(), e.weight))) {
        Some(p) => {
            row.copy_from_slice(&p);
            true
        }
        None => {
            row.fill(0.0);
            false
        }
    }
}

/// Scales to unit length; false for a zero vector.
fn normalise(v: &mut [f32]) -> bool {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for x in v.iter_mut() {
            *x /= norm;
        }
        true
    } else {
        false
    }
}

/// Dot product (a cosine for unit vectors).
///
/// Eight independent partial sums let the compiler vectorise (a single running sum
/// is a serial dependency chain); the summation order is fixed, so the result is the
/// same on every run and thread.
#[must_use]
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5]))
        + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7]))
        + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn csv_with_header_loads_by_id() {
        let (_d, path) = write("v.csv", b"id,a,b\n1,0.5,1\n0,2,3\n");
        let v = load_item_vectors(&path, 2).unwrap();
        assert_eq!(v, vec![vec![2.0, 3.0], vec![0.5, 1.0]]);
    }

    #[test]
    fn csv_errors_name_line_and_fix() {
        let (_d, path) = write("v.csv", b"0,1,2\n1,1\n");
        let err = load_item_vectors(&path, 2).unwrap_err().to_string();
        assert!(
            err.contains(":2:") && err.contains("has 1 values") && err.contains("fix"),
            "{err}"
        );
        let (_d, path) = write("v.csv", b"0,1\n7,1\n");
        let err = load_item_vectors(&path, 2).unwrap_err().to_string();
        assert!(
            err.contains("movie id 7 is unknown") && err.contains("0..2"),
            "{err}"
        );
        let (_d, path) = write("v.csv", b"0,1\n");
        let err = load_item_vectors(&path, 3).unwrap_err().to_string();
        assert!(
            err.contains("2 movie(s) have no vector, the first is movie 1"),
            "{err}"
        );
    }

    fn npy(rows: &[[f32; 3]]) -> Vec<u8> {
        let mut header = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, 3), }}",
            rows.len()
        );
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((header.len() as u16).to_le_bytes());
        bytes.extend(header.as_bytes());
        for row in rows {
            for x in row {
                bytes.extend(x.to_le_bytes());
            }
        }
        bytes
    }

    #[test]
    fn npy_loads_and_rejects_unknown_ids() {
        let (_d, path) = write("v.npy", &npy(&[[1.0, 0.0, 1.0], [0.0, 2.0, 2.0]]));
        let v = load_item_vectors(&path, 2).unwrap();
        assert_eq!(v, vec![vec![2.0, 2.0], vec![0.0, 1.0]]);
        let (_d, path) = write("v.npy", &npy(&[[5.0, 0.0, 1.0]]));
        let err = load_item_vectors(&path, 2).unwrap_err().to_string();
        assert!(err.contains("movie id 5 is unknown"), "{err}");
    }

    #[test]
    fn profiles_are_weighted_unit_means() {
        let a = [1.0f32, 0.0];
        let b = [0.0f32, 2.0];
        let v = UnitVectors::from_parts(&[vec![&a[..]], vec![&b[..]]]);
        let p = v
            .profile([(0, 3.0), (1, 1.0), (1, -5.0)].into_iter())
            .unwrap();
        let norm = (9.0f32 + 1.0).sqrt();
        assert!((p[0] - 3.0 / norm).abs() < 1e-6 && (p[1] - 1.0 / norm).abs() < 1e-6);
        assert!(v.profile([(0, -1.0)].into_iter()).is_none());
    }
}
