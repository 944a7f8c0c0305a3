//! Keystone v3's catalog: which entry is Octavia, which of its endpoints is this region's and
//! interface's, and the base the client appends `/v2/lbaas/...` to. Pure, table-tested in
//! `keystone/tests.rs`.

use crate::backend::http::printable;
use crate::backend::token::Picked;

pub struct Service {
    pub name: String,
    pub kind: String,
    pub endpoints: Vec<Endpoint>,
}

pub struct Endpoint {
    pub interface: String,
    pub region_id: Option<String>,
    pub region: Option<String>,
    pub url: String,
}

impl Endpoint {
    /// The region to report: `region_id` is current, `region` is its deprecated copy.
    fn region_name(&self) -> Option<&str> {
        self.region_id.as_deref().or(self.region.as_deref())
    }

    fn in_region(&self, want: &str) -> bool {
        let mut names = self.region_id.iter().chain(self.region.iter()).peekable();
        // An endpoint without a region serves every region.
        names.peek().is_none() || names.any(|r| r.eq_ignore_ascii_case(want))
    }
}

/// Picks Octavia's endpoint: the `load-balancer` entry named `octavia`, else the first of
/// that type; then the endpoint of `region` (matched against `region_id` or `region`, in any
/// case; None: the only region there is) and `interface`.
pub fn pick_endpoint(
    catalog: &[Service],
    region: Option<&str>,
    interface: &str,
) -> Result<Picked, String> {
    let lbs = || catalog.iter().filter(|s| s.kind == "load-balancer");
    let service = lbs()
        .find(|s| s.name == "octavia")
        .or_else(|| lbs().next())
        .ok_or_else(|| {
            format!(
                "the catalog has no load-balancer service (it has: {}): check that this cloud offers Octavia to the project",
                listed(catalog.iter().map(|s| s.kind.as_str()))
            )
        })?;
    let all = &service.endpoints;
    let regions = || listed(all.iter().filter_map(Endpoint::region_name));
    let here: Vec<&Endpoint> = match region {
        Some(want) => all.iter().filter(|e| e.in_region(want)).collect(),
        None => {
            let mut names: Vec<&str> = all.iter().filter_map(Endpoint::region_name).collect();
            names.sort_unstable();
            names.dedup();
            if names.len() > 1 {
                return Err(format!(
                    "OS_REGION_NAME is not set and the catalog has load-balancer in several regions ({}): set it to the load balancer's region",
                    regions()
                ));
            }
            all.iter().collect()
        }
    };
    if here.is_empty() {
        return Err(format!(
            "region {} is not in the catalog for load-balancer (it has: {}): set OS_REGION_NAME to one of them",
            region.unwrap_or_default(),
            regions()
        ));
    }
    let found = here
        .iter()
        .find(|e| e.interface.eq_ignore_ascii_case(interface))
        .ok_or_else(|| {
            format!(
                "the catalog has no {interface} endpoint for load-balancer{} (it has: {}): set OS_INTERFACE to one of them",
                region.map_or(String::new(), |r| format!(" in region {r}")),
                listed(here.iter().map(|e| e.interface.as_str()))
            )
        })?;
    let name = found
        .region_name()
        .or(region)
        .unwrap_or_default()
        .to_string();
    // OS_INTERFACE is the only thing that asks for another interface than public.
    let interface = match interface {
        "public" => "interface public, OS_INTERFACE's default".to_string(),
        other => format!("interface {other} from OS_INTERFACE"),
    };
    let region = Picked::region_words(region, &name);
    Ok(Picked {
        url: found.url.clone(),
        how: format!(
            "the catalog's load-balancer endpoint '{}', {interface}, {region}",
            printable(&service.name)
        ),
        region: name,
    })
}

/// "A, B, C", sorted and without repeats; "none" for nothing.
fn listed<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = names.filter(|n| !n.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The Octavia base from its catalog URL: the client appends `/v2/lbaas/...`, and catalogs
/// hold the bare root, the root with a slash, or the root with `/v2.0` or `/v2` already on.
pub fn octavia_base(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let url = url
        .strip_suffix("/v2.0")
        .or_else(|| url.strip_suffix("/v2"))
        .unwrap_or(url);
    url.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests;
