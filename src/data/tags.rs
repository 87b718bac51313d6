//! Tag files: MovieLens latest `tags.csv` (`userId,movieId,tag,timestamp`), MovieLens
//! 10M `tags.dat` (`::`-separated) and plain CSV `item_id,tag`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::dataset::Dataset;
use super::error::{DataError, Problems, read_bytes};
use super::records::{Separator, records, sniff};

/// One tag as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagRow {
    /// The item's id in the file (matches the rating log's item ids).
    pub item: String,
    /// The tag, trimmed and lower-cased.
    pub tag: String,
    /// 1-based line in the file.
    pub line: u64,
}

/// Reads a tag file, recognising its format from the first line.
///
/// | format | separator | fields |
/// | --- | --- | --- |
/// | MovieLens latest `tags.csv` | comma, quoted tags | `userId,movieId,tag,timestamp`, header |
/// | MovieLens 10M `tags.dat` | `::` | `user::item::tag::timestamp` |
/// | plain CSV | comma | `item_id,tag`, header optional |
///
/// A first row naming the columns (`movieId`/`item_id` where the item goes) is the
/// header. Tags are trimmed and lower-cased, so `Funny` and `funny ` are one tag.
///
/// # Errors
///
/// [`DataError::Read`] if the file cannot be read; [`DataError::Malformed`] listing
/// rows with another number of fields than 2 or 4, an empty item id or an empty tag,
/// with file and line; [`DataError::Empty`] for a file without tags.
pub fn read_tags(path: &Path) -> Result<Vec<TagRow>, DataError> {
    let bytes = read_bytes(path)?;
    let separator = sniff(&bytes);
    let rows = records(&bytes, separator, path)?;
    let mut out = Vec::with_capacity(rows.len());
    let mut problems = Problems::default();
    let shape = if separator == Separator::DoubleColon {
        "user::item::tag::timestamp"
    } else {
        "userId,movieId,tag,timestamp or item_id,tag"
    };
    for (index, row) in rows.iter().enumerate() {
        let f = &row.fields;
        let (item, tag) = match f.len() {
            4 => (&f[1], &f[2]),
            2 => (&f[0], &f[1]),
            n => {
                problems.push(
                    row.line,
                    format!("has {n} field(s), expected 4 or 2"),
                    format!("write each tag as `{shape}`"),
                );
                continue;
            }
        };
        if index == 0
            && ["movieid", "item_id", "itemid", "item"].contains(&item.to_lowercase().as_str())
        {
            continue;
        }
        let tag = tag.trim().to_lowercase();
        if item.is_empty() || tag.is_empty() {
            problems.push(
                row.line,
                "has an empty item id or tag",
                "give every row an item id and a non-empty tag",
            );
            continue;
        }
        out.push(TagRow {
            item: item.clone(),
            tag,
            line: row.line,
        });
    }
    problems.finish(
        path,
        out,
        "tags",
        "pass a tag file (`userId,movieId,tag,timestamp` or `item_id,tag` rows)",
    )
}

impl Dataset {
    /// Gives each movie the distinct tags of `rows` as its keywords (ids in the order
    /// of the sorted tag texts), which the graph arm links through and the content
    /// arms' learned vectors read; returns the number of distinct tags.
    ///
    /// Tags describe movies, like genres: they are used whole in every fold, not split
    /// with the ratings.
    ///
    /// # Errors
    ///
    /// [`DataError::Malformed`] naming `path` and the line of each tag whose item is
    /// not in the catalogue (the movies file, or the rated items).
    pub fn add_tags(&mut self, rows: &[TagRow], path: &Path) -> Result<usize, DataError> {
        let index: BTreeMap<&str, usize> = self
            .item_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), i))
            .collect();
        let vocabulary: BTreeSet<&str> = rows.iter().map(|r| r.tag.as_str()).collect();
        let tag_id: BTreeMap<&str, u32> = vocabulary
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, u32::try_from(i).expect("fewer than 2^32 tags")))
            .collect();
        let mut problems = Problems::default();
        let mut keywords: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); self.catalogue.len()];
        for r in rows {
            match index.get(r.item.as_str()) {
                Some(&i) => {
                    keywords[i].insert(tag_id[r.tag.as_str()]);
                }
                None => problems.push(
                    r.line,
                    format!("item {:?} is not in the catalogue", r.item),
                    "pass the tag file that belongs to this log (and its movies file)",
                ),
            }
        }
        problems.into_result(path)?;
        for (movie, tags) in self.catalogue.movies.iter_mut().zip(keywords) {
            movie.keywords = tags.into_iter().collect();
        }
        Ok(vocabulary.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{read_ratings, temp_file};

    #[test]
    fn reads_movielens_latest_and_plain_tags_and_links_them_to_movies() {
        let latest = temp_file(
            b"userId,movieId,tag,timestamp\n2,60756,Funny,1445714994\n2,60756,\"funny \",1445714996\n7,89774,Boxing story,1445715207\n",
        );
        let rows = read_tags(latest.path()).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.item.as_str(), r.tag.as_str(), r.line))
                .collect::<Vec<_>>(),
            [
                ("60756", "funny", 2),
                ("60756", "funny", 3),
                ("89774", "boxing story", 4)
            ]
        );
        let plain = temp_file(b"60756,dark\n");
        assert_eq!(read_tags(plain.path()).unwrap()[0].tag, "dark");

        let ratings = temp_file(b"1,60756,4,1\n1,89774,3,2\n2,60756,5,3\n");
        let rows_r = read_ratings(ratings.path()).unwrap();
        let mut d = Dataset::from_rows(
            "t",
            &rows_r,
            None,
            ratings.path(),
            crate::data::SegmentThresholds::default(),
        )
        .unwrap();
        assert_eq!(d.add_tags(&rows, latest.path()).unwrap(), 2);
        // Tag ids in sorted text order: "boxing story" 0, "funny" 1.
        assert_eq!(d.catalogue.movies[0].keywords, [1]);
        assert_eq!(d.catalogue.movies[1].keywords, [0]);
    }

    #[test]
    fn refuses_tags_of_unknown_items_and_malformed_rows() {
        let ratings = temp_file(b"1,10,4,1\n");
        let rows_r = read_ratings(ratings.path()).unwrap();
        let mut d = Dataset::from_rows(
            "t",
            &rows_r,
            None,
            ratings.path(),
            crate::data::SegmentThresholds::default(),
        )
        .unwrap();
        let tags = temp_file(b"item_id,tag\n10,good\n11,bad\n");
        let rows = read_tags(tags.path()).unwrap();
        let err = d.add_tags(&rows, tags.path()).unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("\"11\" is not in the catalogue"),
            "{err}"
        );
        let bad = temp_file(b"10,good,extra\n10,\n");
        let err = read_tags(bad.path()).unwrap_err().to_string();
        assert!(
            err.contains("line 1") && err.contains("expected 4 or 2"),
            "{err}"
        );
        assert!(
            err.contains("line 2") && err.contains("empty item id or tag"),
            "{err}"
        );
    }
}
