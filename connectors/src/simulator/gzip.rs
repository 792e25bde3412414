//! gzip (RFC 1952) for the simulator's answers, with one deflate state per worker thread
//! reused for every answer: a fresh compressor per response zeroes some 300 KB of tables,
//! which would make the simulator, not the connectors, the cost a benchmark measures.

use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::cell::RefCell;

thread_local! {
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), false));
}

/// ID1, ID2, CM (deflate), FLG (none), MTIME (none), XFL (fastest), OS (unknown).
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff];

/// `data` as one gzip member.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() / 3 + 64);
    out.extend_from_slice(&HEADER);
    DEFLATE.with(|deflate| {
        let mut deflate = deflate.borrow_mut();
        deflate.reset();
        loop {
            if out.capacity() - out.len() < 1024 {
                out.reserve(out.capacity().max(4096));
            }
            let consumed = (deflate.total_in() as usize).min(data.len());
            match deflate.compress_vec(&data[consumed..], &mut out, FlushCompress::Finish) {
                Ok(Status::StreamEnd) => break,
                Ok(Status::Ok | Status::BufError) => {}
                // Deflating a slice in memory cannot fail; an empty body is still valid gzip.
                Err(_) => break,
            }
        }
    });
    let mut crc = Crc::new();
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    #[test]
    fn answers_round_trip_through_a_gzip_decoder() {
        let page: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{{\"id\":{i},\"name\":\"app {}\"}},", i % 97).into_bytes())
            .collect();
        for body in [&b""[..], b"{}", &page] {
            let packed = super::compress(body);
            assert_eq!(gunzip(&packed), body, "{} bytes", body.len());
        }
        // The state is reused: a second answer on the same thread is as valid as the first.
        assert_eq!(gunzip(&super::compress(b"[1,2,3]")), b"[1,2,3]");
        assert!(super::compress(&page).len() < page.len() / 4);
    }
}
