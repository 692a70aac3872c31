//! The synthetic OpenAPI 3.1 document of the benchmark: `objects` object schemas that refer to
//! each other, with unions (tagged and untagged), nested inline objects, enums, arrays, maps,
//! formats, nullable fields and a shared anonymous shape, made from a seeded generator so the
//! same arguments always give the same bytes.

use serde_json::{Map, Value, json};

/// splitmix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const WORDS: &[&str] = &[
    "id",
    "name",
    "createdAt",
    "updatedAt",
    "status",
    "owner",
    "items",
    "metadata",
    "tags",
    "amount",
    "count",
    "address",
    "settings",
    "parent",
    "children",
    "enabled",
    "email",
    "url",
    "notes",
    "priority",
    "label",
    "region",
    "currency",
    "quantity",
    "source",
    "target",
    "schedule",
    "limits",
    "contact",
    "history",
    "summary",
    "secretKey",
];

const ENUM_WORDS: &[&str] = &["active", "pending", "archived", "deleted", "draft", "failed", "queued", "running"];

/// Objects are layered like a real API's: an object refers only to objects of lower layers (and
/// to itself, for trees), so chains of references stay about as deep as there are layers. A
/// random graph of 2,000 objects has chains hundreds of models long, which rustc refuses
/// ("overflow while adding drop-check rules") whichever generator wrote the types.
const LAYERS: usize = 8;

fn layer_start(layer: usize, objects: usize) -> usize {
    layer * objects / LAYERS
}

fn layer_of(index: usize, objects: usize) -> usize {
    (0..LAYERS).rev().find(|&l| layer_start(l, objects) <= index).unwrap_or(0)
}

/// An object that `index` may refer to: one of a lower layer, or itself in the lowest.
fn target(rng: &mut Rng, index: usize, objects: usize) -> usize {
    let below = layer_start(layer_of(index, objects), objects);
    if below == 0 { index } else { rng.below(below) }
}

/// How many union schemas accompany `objects` object schemas.
pub fn unions(objects: usize) -> usize {
    objects / 10
}

/// The document, as JSON text.
pub fn spec(objects: usize, seed: u64) -> String {
    let mut rng = Rng(seed);
    let unions = unions(objects);
    let mut schemas = Map::new();
    for i in 0..objects {
        schemas.insert(object_name(i), object(&mut rng, i, objects, unions, 0));
    }
    for j in 0..unions {
        schemas.insert(union_name(j), union(&mut rng, j, objects));
    }
    let document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Synthetic benchmark API",
            "version": "1.0.0",
            "description": format!("{objects} object schemas and {unions} unions, seed {seed}."),
        },
        "paths": {},
        "components": { "schemas": schemas },
    });
    serde_json::to_string_pretty(&document).expect("a JSON value always serializes")
}

fn object_name(i: usize) -> String {
    format!("Resource{i:04}")
}

fn union_name(j: usize) -> String {
    format!("Choice{j:03}")
}

/// An object schema. `index` is the model it belongs to: a required `$ref` only ever points at
/// a model with a smaller index, so no type contains itself by value.
fn object(rng: &mut Rng, index: usize, objects: usize, unions: usize, depth: usize) -> Value {
    let count = if depth == 0 { 3 + rng.below(10) } else { 2 + rng.below(4) };
    let mut names: Vec<&str> = WORDS.to_vec();
    let mut properties = Map::new();
    let mut required = Vec::new();
    for _ in 0..count {
        let name = names.swap_remove(rng.below(names.len()));
        let mut must = rng.chance(50);
        let schema = match rng.below(100) {
            0..25 => string(rng),
            25..35 => json!({"type": "integer", "format": "int64", "minimum": 0}),
            35..42 => json!({"type": "number"}),
            42..49 => json!({"type": "boolean"}),
            49..57 => {
                let mut values: Vec<&str> = ENUM_WORDS.to_vec();
                let n = 2 + rng.below(4);
                let picked: Vec<&str> = (0..n).map(|_| values.swap_remove(rng.below(values.len()))).collect();
                json!({"type": "string", "enum": picked})
            }
            57..72 => {
                let target = target(rng, index, objects);
                must &= target < index;
                json!({"$ref": format!("#/components/schemas/{}", object_name(target))})
            }
            72..80 => {
                let items = if rng.chance(60) {
                    json!({"$ref": format!("#/components/schemas/{}", object_name(target(rng, index, objects)))})
                } else {
                    string(rng)
                };
                json!({"type": "array", "items": items})
            }
            80..85 => {
                let values = if rng.chance(50) {
                    json!({"$ref": format!("#/components/schemas/{}", object_name(target(rng, index, objects)))})
                } else {
                    json!({"type": "string"})
                };
                json!({"type": "object", "additionalProperties": values})
            }
            85..92 if depth < 2 => object(rng, index, objects, unions, depth + 1),
            85..92 => json!({"type": "string"}),
            // Unions' variants are objects of the two lowest layers; only higher layers use them.
            92..95 if unions > 0 && layer_of(index, objects) >= 2 => {
                must = false;
                json!({"$ref": format!("#/components/schemas/{}", union_name(rng.below(unions)))})
            }
            92..95 => json!({"type": "boolean"}),
            95..97 => json!({"type": ["string", "null"]}),
            // The same anonymous shape in many places, as real specs repeat token and audit objects.
            _ => json!({
                "type": "object",
                "properties": {
                    "createdBy": {"type": "string"},
                    "createdAt": {"type": "string", "format": "date-time"},
                },
                "required": ["createdBy"],
            }),
        };
        if must {
            required.push(name);
        }
        properties.insert(name.to_string(), schema);
    }
    let mut schema = json!({
        "type": "object",
        "description": format!("Synthetic object {index}, level {depth}."),
        "properties": properties,
    });
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn string(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 | 1 => json!({"type": "string", "format": "date-time"}),
        2 => json!({"type": "string", "format": "uuid"}),
        3 => json!({"type": "string", "minLength": 1, "maxLength": 64}),
        4 => json!({"type": "string", "pattern": "^[a-z0-9-]+$"}),
        _ => json!({"type": "string", "description": "A free-form string."}),
    }
}

/// Untagged (a choice of referenced objects, or an object and a string), or tagged by a `kind`
/// property that each inline variant requires with its own `const`.
fn union(rng: &mut Rng, j: usize, objects: usize) -> Value {
    let n = 2 + rng.below(3);
    if j.is_multiple_of(2) {
        let low = layer_start(2, objects).max(1);
        let mut variants: Vec<Value> =
            (0..n).map(|_| json!({"$ref": format!("#/components/schemas/{}", object_name(rng.below(low)))})).collect();
        variants.dedup();
        if variants.len() < 2 {
            variants.push(json!({"type": "string"}));
        }
        json!({"description": format!("Untagged choice {j}."), "oneOf": variants})
    } else {
        let variants: Vec<Value> = (0..n)
            .map(|k| {
                let mut variant = object(rng, 0, objects, 0, 2);
                let tag = format!("variant{k}");
                variant["properties"]["kind"] = json!({"type": "string", "const": tag});
                let required = variant["required"].as_array().cloned().unwrap_or_default();
                let mut required: Vec<Value> = required.into_iter().filter(|r| r != "kind").collect();
                required.insert(0, json!("kind"));
                variant["required"] = Value::Array(required);
                variant
            })
            .collect();
        json!({"description": format!("Tagged choice {j}."), "oneOf": variants})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_is_deterministic_and_has_the_requested_objects() {
        let a = spec(50, 7);
        assert_eq!(a, spec(50, 7));
        assert_ne!(a, spec(50, 8));
        let document: Value = serde_json::from_str(&a).unwrap();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        assert_eq!(schemas.len(), 50 + unions(50));
        let objects = schemas.values().filter(|s| s["type"] == "object").count();
        assert_eq!(objects, 50);
        let refs = a.matches("\"$ref\"").count();
        assert!(refs > 50, "{refs} refs");
        assert!(schemas.values().any(|s| s["oneOf"].is_array()));
    }
}
