//! PII014: street addresses and PO boxes.

use std::collections::HashSet;
use std::sync::LazyLock;

use mlsec_core::Confidence;

use super::{Context, Lazy, PiiKind, Span, declare_detector, re};

declare_detector! {
    /// ## What it detects
    /// Street addresses by pattern: a house number followed by up to five capitalised words
    /// ending in a street suffix from the USPS list (Publication 28, appendix C1: `Street`,
    /// `Ave`, `Blvd`, `Lane`, `Close`, `Crescent` …); French, Spanish, Catalan, Italian and
    /// Portuguese street words with a house number (`12 rue de la Paix`, `Via Roma 12`,
    /// `Calle Mayor, 5`) and French ones with a name (`rue de la Paix`); German and Dutch
    /// compound street names with a number (`Hauptstraße 5a`, `Kerkstraat 12`); and PO boxes.
    ///
    /// ## Why it matters
    /// A home address locates a person physically; with a name it is enough for stalking,
    /// fraud and doxxing, and it is a direct identifier under every privacy law.
    ///
    /// ## Example
    /// `221B Baker Street`, `1600 Pennsylvania Ave NW`, `P.O. Box 123`
    ///
    /// ## References
    /// GDPR art. 4(1); CWE-359; USPS Publication 28 (Postal Addressing Standards);
    /// OWASP LLM02:2025 (Sensitive Information Disclosure).
    pub static DETECTOR = {
        code: "PII014",
        name: "postal-address",
        kind: PostalAddress,
        severity: High,
        summary: "Street address or PO box",
        hints: &["address", "addr", "street", "strasse", "adresse", "direccion", "indirizzo", "residence"],
        priority: 45,
        find: find,
    };
}

/// USPS Publication 28 appendix C1 primary suffix names and their common abbreviations (public
/// domain), plus UK street types.
static SUFFIXES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    "ALLEY ALY ANEX ARCADE AVENUE AVE AV BAYOU BEACH BEND BLUFF BLUFFS BOTTOM BOULEVARD BLVD \
     BRANCH BRIDGE BROOK BROOKS BURG BURGS BYPASS CAMP CANYON CAPE CAUSEWAY CENTER CENTERS \
     CIRCLE CIR CIRCLES CLIFF CLIFFS CLUB COMMON COMMONS CORNER CORNERS COURSE COURT CT COURTS \
     COVE COVES CREEK CRESCENT CRES CREST CROSSING CROSSROAD CROSSROADS CURVE DALE DAM DIVIDE \
     DRIVE DR DRIVES ESTATE ESTATES EXPRESSWAY EXPY EXTENSION EXTENSIONS FALL FALLS FERRY FIELD \
     FIELDS FLAT FLATS FORD FORDS FOREST FORGE FORGES FORK FORKS FORT FREEWAY FWY GARDEN GARDENS \
     GATEWAY GLEN GLENS GREEN GREENS GROVE GROVES HARBOR HARBORS HAVEN HEIGHTS HIGHWAY HWY HILL \
     HILLS HOLLOW INLET ISLAND ISLANDS ISLE JUNCTION JUNCTIONS KEY KEYS KNOLL KNOLLS LAKE LAKES \
     LAND LANDING LANE LN LIGHT LIGHTS LOAF LOCK LOCKS LODGE LOOP MALL MANOR MANORS MEADOW \
     MEADOWS MEWS MILL MILLS MISSION MOTORWAY MOUNT MOUNTAIN MOUNTAINS NECK ORCHARD OVAL \
     OVERPASS PARK PARKS PARKWAY PKWY PARKWAYS PASS PASSAGE PATH PIKE PINE PINES PLACE PL PLAIN \
     PLAINS PLAZA POINT POINTS PORT PORTS PRAIRIE RADIAL RAMP RANCH RAPID RAPIDS REST RIDGE \
     RIDGES RIVER ROAD RD ROADS ROUTE ROW RUE RUN SHOAL SHOALS SHORE SHORES SKYWAY SPRING \
     SPRINGS SPUR SPURS SQUARE SQ SQUARES STATION STRAVENUE STREAM STREET ST STREETS SUMMIT \
     TERRACE TER THROUGHWAY TRACE TRACK TRAFFICWAY TRAIL TRL TRAILER TUNNEL TURNPIKE UNDERPASS \
     UNION UNIONS VALLEY VALLEYS VIADUCT VIEW VIEWS VILLAGE VILLAGES VILLE VISTA WALK WALKS \
     WALL WAY WAYS WELL WELLS CLOSE CL DRIVEWAY GATE GROVE HILL WHARF YARD"
        .split_whitespace()
        .collect()
});

static US_UK: Lazy = Lazy::new(|| {
    re(
        r"\b\d{1,6}[A-Za-z]?(?:[\s,]+(?:[A-Z][A-Za-z'\-]*\.?|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)){2,6}",
    )
});
static ROMANCE: Lazy = Lazy::new(|| {
    re(
        r"(?i)(?:\b\d{1,5}\s*(?:bis|ter)?,?\s+(?:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route)\s+\S+|\b(?:calle|c/|c\.|avenida|avda\.|plaza|paseo|camino|cuesta|glorieta|callejón|pasadizo|urbanización|ronda|travesía|carrer|rambla|passeig|avinguda|vial|via|viale|piazza|piazzale|corso|largo|vicolo|contrada|borgo|rotonda|incrocio|stretto|strada|canale|lungomare|rua|travessa)\s+(?:[\p{L}'’\-.]+\s+){0,4}[\p{L}'’\-]+,?\s+(?:n\.?º?\s*)?\d{1,5}[a-z]?\b)",
    )
});
static GERMAN: Lazy = Lazy::new(|| {
    re(
        r"\b\p{Lu}[\p{L}\-]*(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|straat|laan|singel|dreef|pad|boulevard|plein|gracht|kade|baan|hof|dijk|steeg)\s+\d{1,5}(?:\s?[a-z]\b|[-/]\d{1,4})?",
    )
});
/// French street words followed by a name without a house number (`rue de la Paix`).
static FRENCH_NAMED: Lazy = Lazy::new(|| {
    re(
        r"\b(?:rue|impasse|chemin|allée|quai|boulevard)\s+(?:(?:de la|de l'|du|des|de|d')\s*)?\p{Lu}\p{Ll}+",
    )
});
static PO_BOX: Lazy = Lazy::new(|| {
    re(
        r"(?i)\b(?:p\.?\s?o\.?\s?box|post\s+office\s+box|postfach|apartado(?:\s+de\s+correos)?|boîte\s+postale|bp)\s+\d{1,6}\b",
    )
});

fn find(value: &str, ctx: &Context, out: &mut Vec<Span>) {
    let b = value.as_bytes();
    if b.len() < 6 {
        return;
    }
    if !b.iter().any(u8::is_ascii_digit) {
        // Only the French `rue de la Paix` form has no number.
        for m in FRENCH_NAMED.find_iter(value) {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::Medium,
            ));
        }
        return;
    }
    let conf = if ctx.hints(PiiKind::PostalAddress) {
        Confidence::High
    } else {
        Confidence::Medium
    };
    for m in US_UK.find_iter(value) {
        if let Some(end) = street_end(m.as_str()) {
            out.push(Span::new(
                m.start(),
                m.start() + end,
                DETECTOR.code,
                Confidence::High,
            ));
        }
    }
    for r in [&*ROMANCE, &*GERMAN] {
        for m in r.find_iter(value) {
            out.push(Span::new(m.start(), m.end(), DETECTOR.code, conf));
        }
    }
    let mine = out.len();
    for m in FRENCH_NAMED.find_iter(value) {
        let overlaps = out[..mine]
            .iter()
            .any(|s| m.start() < s.end && s.start < m.end());
        if !overlaps {
            out.push(Span::new(
                m.start(),
                m.end(),
                DETECTOR.code,
                Confidence::Medium,
            ));
        }
    }
    for m in PO_BOX.find_iter(value) {
        out.push(Span::new(
            m.start(),
            m.end(),
            DETECTOR.code,
            Confidence::High,
        ));
    }
}

/// Where the street suffix of a `number words…` match ends, when one of the words after the
/// first is a suffix.
fn street_end(s: &str) -> Option<usize> {
    let mut words = 0;
    let mut pos = 0;
    for tok in s.split_inclusive([' ', ',', '\t']) {
        let start = pos;
        pos += tok.len();
        let word = tok.trim_end_matches([' ', ',', '\t']);
        if word.is_empty() {
            continue;
        }
        words += 1;
        if words >= 3 {
            let bare = word.trim_end_matches('.');
            if SUFFIXES.contains(bare.to_ascii_uppercase().as_str()) {
                return Some(start + word.len());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(v: &str) -> usize {
        let mut out = Vec::new();
        find(v, &Context::none(), &mut out);
        out.len()
    }

    #[test]
    fn matches_addresses() {
        for a in [
            "221B Baker Street",
            "1600 Pennsylvania Ave NW, Washington",
            "350 W 34th St.",
            "12 rue de la Paix",
            "Via Roma 12",
            "Calle Mayor, 5",
            "Hauptstraße 5a",
            "P.O. Box 123",
            "Flat 3, 14 Mill Lane",
            "Kerkstraat 12",
            "Miroslav-Rörricht-Allee 5/8",
            "Glorieta de María Jesús Garay 859",
            "Vicolo Galuppi, 93",
            "rue Valentine Jacquet",
        ] {
            assert_eq!(hits(a), 1, "{a}");
        }
    }

    #[test]
    fn rejects_look_alikes() {
        assert_eq!(hits("3 Large Pizzas"), 0);
        assert_eq!(hits("Order 12345 shipped"), 0);
        assert_eq!(hits("2 Street"), 0, "a number and a suffix alone");
    }
}
