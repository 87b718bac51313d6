//! Small MovieLens-format files made by the tests (nothing is downloaded).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Writes a MovieLens 100k-style `u.data` and `u.item` into `dir`: `n_users` users
/// rating a deterministic pattern of `n_items` items (4–5 stars for items whose id
/// shares the user's parity, 1–2 otherwise). Item 3's title holds a Latin-1 byte.
pub fn write_ml100k(dir: &Path, n_users: u32, n_items: u32) -> (PathBuf, PathBuf) {
    let mut data = String::new();
    for u in 1..=n_users {
        for i in 1..=n_items {
            if (u * 7 + i * 3) % 4 == 0 {
                continue;
            }
            let rating = if (u + i) % 2 == 0 {
                4 + (i % 2)
            } else {
                1 + (u % 2)
            };
            let time = 880_000_000 + u64::from(u) * 1_000 + u64::from(i);
            writeln!(data, "{u}\t{i}\t{rating}\t{time}").unwrap();
        }
    }
    let mut item = Vec::new();
    for i in 1..=n_items {
        let title: &[u8] = if i == 3 {
            b"Caf\xe9 Society (1996)"
        } else {
            b"Movie (1995)"
        };
        item.extend_from_slice(format!("{i}|").as_bytes());
        item.extend_from_slice(title);
        item.extend_from_slice(b"|01-Jan-1995||http://x");
        for g in 0..19 {
            item.extend_from_slice(if g == (i as usize % 19) || g == 8 {
                b"|1"
            } else {
                b"|0"
            });
        }
        item.push(b'\n');
    }
    let ratings = dir.join("u.data");
    let movies = dir.join("u.item");
    std::fs::write(&ratings, data).unwrap();
    std::fs::write(&movies, item).unwrap();
    (ratings, movies)
}

/// Writes a MovieLens latest-style `ratings.csv` and `movies.csv` into `dir`.
pub fn write_ml_latest(dir: &Path) -> (PathBuf, PathBuf) {
    let ratings = dir.join("ratings.csv");
    let movies = dir.join("movies.csv");
    let mut text = String::from("userId,movieId,rating,timestamp\n");
    for u in 1..=12 {
        for m in [1, 2, 3, 5, 8, 13] {
            let stars = f64::from((u + m) % 10 + 1) / 2.0;
            writeln!(text, "{u},{m},{stars:.1},{}", 964_982_000 + u * 100 + m).unwrap();
        }
    }
    std::fs::write(&ratings, text).unwrap();
    std::fs::write(
        &movies,
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n2,Jumanji (1995),Adventure|Children|Fantasy\n3,\"American President, The (1995)\",Comedy|Drama|Romance\n5,Father of the Bride Part II (1995),Comedy\n8,Tom and Huck (1995),Adventure|Children\n13,Balto (1995),(no genres listed)\n",
    )
    .unwrap();
    (ratings, movies)
}

/// Writes a MovieLens 100k-style log with taste groups into `dir`: `u.data`, `u.item`
/// and a MovieLens latest-style `tags.csv`. Users and items fall into three groups
/// (id mod 3); a user rates an item with a probability that falls with the item's id
/// (a popularity skew) and rises when the groups match, 4–5 stars within the group
/// and 1–3 outside it. Each item has its group's genre and one more, a release year
/// in 1950–2019 and, for every other item, a tag of its group. Deterministic (an
/// integer hash, no generator).
pub fn write_ml100k_tastes(dir: &Path, n_users: u32, n_items: u32) -> [PathBuf; 3] {
    let hash = |a: u32, b: u32| -> u32 {
        let mut x = a.wrapping_mul(0x9E37_79B9) ^ b.wrapping_mul(0x85EB_CA6B);
        x ^= x >> 15;
        x = x.wrapping_mul(0x2C1B_3C6D);
        x ^= x >> 12;
        x % 1000
    };
    let mut data = String::new();
    for u in 1..=n_users {
        for i in 1..=n_items {
            let same = u % 3 == i % 3;
            let popularity = 600 * 10 / (10 + i);
            let p = popularity / 2 + if same { 350 } else { 0 };
            if hash(u, i) >= p {
                continue;
            }
            let rating = if same {
                4 + hash(i, u) % 2
            } else {
                1 + hash(i, u) % 3
            };
            let time = 880_000_000 + u64::from(u) * 1_000 + u64::from(i);
            writeln!(data, "{u}\t{i}\t{rating}\t{time}").unwrap();
        }
    }
    let mut item = String::new();
    let mut tags = String::from("userId,movieId,tag,timestamp\n");
    for i in 1..=n_items {
        let year = 1950 + (i * 7) % 70;
        write!(item, "{i}|Movie {i} ({year})|01-Jan-{year}||http://x").unwrap();
        for g in 0..19 {
            let on = g == 1 + i % 3 || g == 5 + (i * 5) % 14;
            item.push_str(if on { "|1" } else { "|0" });
        }
        item.push('\n');
        if i % 2 == 0 {
            writeln!(tags, "1,{i},group {},1", i % 3).unwrap();
        }
    }
    let paths = [dir.join("u.data"), dir.join("u.item"), dir.join("tags.csv")];
    std::fs::write(&paths[0], data).unwrap();
    std::fs::write(&paths[1], item).unwrap();
    std::fs::write(&paths[2], tags).unwrap();
    paths
}
