// BusinessPartner.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:BusinessPartner) WITH r, s, bySource, null AS byKey RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// BusinessPartner.origins (ids)
UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// BusinessPartner.create_records (now, rows)
UNWIND $rows AS g CREATE (n:BusinessPartner) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// BusinessPartner.update_records (now, rows)
UNWIND $rows AS g MATCH (n:BusinessPartner) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// BusinessPartner.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:BusinessPartner) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// BusinessPartner.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:BusinessPartner) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// BusinessPartner.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:BusinessPartner) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// BusinessPartner.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:BusinessPartner) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// BusinessPartner.origins.plain (ids)
UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// BusinessPartner.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:BusinessPartner) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// BusinessPartner.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:BusinessPartner) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// BusinessPartner.relationships.drop (elements)
UNWIND $elements AS e MATCH (n:BusinessPartner) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:RELATED_TO]->() DELETE r

// BusinessPartner.relationships.link (links)
UNWIND $links AS l MATCH (n:BusinessPartner) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (n)-[r:RELATED_TO]->(o) SET r += l.props

// BusinessPartner.addresses.drop (rows)
UNWIND $rows AS c MATCH (n:BusinessPartner) WHERE elementId(n) = c.element OPTIONAL MATCH (n)-[:HAS_ADDRESS]->(a:Address) DETACH DELETE a

// BusinessPartner.addresses.make (rows)
UNWIND $rows AS c MATCH (n:BusinessPartner) WHERE elementId(n) = c.element UNWIND c.items AS item CREATE (n)-[:HAS_ADDRESS]->(a:Address) SET a += item

// Contract.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:Contract) OPTIONAL MATCH (byKey:Contract {number: r.nk.number}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// Contract.origins (ids)
UNWIND $ids AS id MATCH (g:Contract {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Contract.create_records (now, rows)
UNWIND $rows AS g CREATE (n:Contract) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Contract.update_records (now, rows)
UNWIND $rows AS g MATCH (n:Contract) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// Contract.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:Contract) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Contract.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:Contract) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Contract.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:Contract) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Contract.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:Contract) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Contract.origins.plain (ids)
UNWIND $ids AS id MATCH (g:Contract {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Contract.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Contract) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// Contract.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Contract) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// Contract.parties.drop (elements)
UNWIND $elements AS e MATCH (n:Contract) WHERE elementId(n) = e OPTIONAL MATCH (n)<-[r:PARTY_TO]-() DELETE r

// Contract.parties.link (links)
UNWIND $links AS l MATCH (n:Contract) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (o)-[r:PARTY_TO]->(n) SET r += l.props

// Document.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:Document) OPTIONAL MATCH (byKey:Document {number: r.nk.number, revision: r.nk.revision}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// Document.origins (ids)
UNWIND $ids AS id MATCH (g:Document {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Document.create_records (now, rows)
UNWIND $rows AS g CREATE (n:Document) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Document.update_records (now, rows)
UNWIND $rows AS g MATCH (n:Document) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// Document.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:Document) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Document.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:Document) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Document.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:Document) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Document.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:Document) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Document.origins.plain (ids)
UNWIND $ids AS id MATCH (g:Document {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Document.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Document) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// Document.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Document) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// Document.about.drop (elements)
UNWIND $elements AS e MATCH (n:Document) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:ABOUT]->() DELETE r

// Document.about.link (links)
UNWIND $links AS l MATCH (n:Document) WHERE elementId(n) = l.from MATCH (o:Vehicle) WHERE elementId(o) = l.to CREATE (n)-[r:ABOUT]->(o) SET r += l.props

// IdentificationObject.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:IdentificationObject) OPTIONAL MATCH (byKey:IdentificationObject {kind: r.nk.kind, number: r.nk.number}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// IdentificationObject.origins (ids)
UNWIND $ids AS id MATCH (g:IdentificationObject {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// IdentificationObject.create_records (now, rows)
UNWIND $rows AS g CREATE (n:IdentificationObject) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// IdentificationObject.update_records (now, rows)
UNWIND $rows AS g MATCH (n:IdentificationObject) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// IdentificationObject.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:IdentificationObject) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// IdentificationObject.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:IdentificationObject) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// IdentificationObject.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:IdentificationObject) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// IdentificationObject.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:IdentificationObject) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// IdentificationObject.origins.plain (ids)
UNWIND $ids AS id MATCH (g:IdentificationObject {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// IdentificationObject.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:IdentificationObject) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// IdentificationObject.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:IdentificationObject) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// IdentificationObject.vehicle.drop (elements)
UNWIND $elements AS e MATCH (n:IdentificationObject) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:IDENTIFIES]->() DELETE r

// IdentificationObject.vehicle.link (links)
UNWIND $links AS l MATCH (n:IdentificationObject) WHERE elementId(n) = l.from MATCH (o:Vehicle) WHERE elementId(o) = l.to CREATE (n)-[r:IDENTIFIES]->(o) SET r += l.props

// IdentificationObject.holder.drop (elements)
UNWIND $elements AS e MATCH (n:IdentificationObject) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:HELD_BY]->() DELETE r

// IdentificationObject.holder.link (links)
UNWIND $links AS l MATCH (n:IdentificationObject) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (n)-[r:HELD_BY]->(o) SET r += l.props

// IdentificationObject.contract.drop (elements)
UNWIND $elements AS e MATCH (n:IdentificationObject) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:ISSUED_UNDER]->() DELETE r

// IdentificationObject.contract.link (links)
UNWIND $links AS l MATCH (n:IdentificationObject) WHERE elementId(n) = l.from MATCH (o:Contract) WHERE elementId(o) = l.to CREATE (n)-[r:ISSUED_UNDER]->(o) SET r += l.props

// IdentificationObject.itemUiid.drop (elements)
UNWIND $elements AS e MATCH (n:IdentificationObject) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:ISSUED_FOR]->() DELETE r

// IdentificationObject.itemUiid.make (rows)
UNWIND $rows AS l MATCH (n:IdentificationObject) WHERE elementId(n) = l.element MATCH (o:ContractItem {uiid: l.key}) CREATE (n)-[:ISSUED_FOR]->(o)

// Material.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:Material) OPTIONAL MATCH (byKey:Material {number: r.nk.number}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// Material.origins (ids)
UNWIND $ids AS id MATCH (g:Material {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Material.create_records (now, rows)
UNWIND $rows AS g CREATE (n:Material) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Material.update_records (now, rows)
UNWIND $rows AS g MATCH (n:Material) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// Material.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:Material) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Material.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:Material) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Material.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:Material) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Material.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:Material) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Material.origins.plain (ids)
UNWIND $ids AS id MATCH (g:Material {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Material.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Material) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// Material.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Material) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// Material.descriptions.drop (rows)
UNWIND $rows AS c MATCH (n:Material) WHERE elementId(n) = c.element OPTIONAL MATCH (n)-[:HAS_DESCRIPTION]->(a:MaterialDescription) DETACH DELETE a

// Material.descriptions.make (rows)
UNWIND $rows AS c MATCH (n:Material) WHERE elementId(n) = c.element UNWIND c.items AS item CREATE (n)-[:HAS_DESCRIPTION]->(a:MaterialDescription) SET a += item

// Material.prices.drop (rows)
UNWIND $rows AS c MATCH (n:Material) WHERE elementId(n) = c.element OPTIONAL MATCH (n)-[:HAS_PRICE]->(a:MaterialPrice) DETACH DELETE a

// Material.prices.make (rows)
UNWIND $rows AS c MATCH (n:Material) WHERE elementId(n) = c.element UNWIND c.items AS item CREATE (n)-[:HAS_PRICE]->(a:MaterialPrice) SET a += item

// Project.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:Project) OPTIONAL MATCH (byKey:Project {number: r.nk.number}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// Project.origins (ids)
UNWIND $ids AS id MATCH (g:Project {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Project.create_records (now, rows)
UNWIND $rows AS g CREATE (n:Project) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Project.update_records (now, rows)
UNWIND $rows AS g MATCH (n:Project) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// Project.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:Project) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Project.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:Project) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Project.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:Project) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Project.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:Project) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Project.origins.plain (ids)
UNWIND $ids AS id MATCH (g:Project {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Project.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Project) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// Project.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Project) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// Project.partners.drop (elements)
UNWIND $elements AS e MATCH (n:Project) WHERE elementId(n) = e OPTIONAL MATCH (n)<-[r:PARTICIPATES_IN]-() DELETE r

// Project.partners.link (links)
UNWIND $links AS l MATCH (n:Project) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (o)-[r:PARTICIPATES_IN]->(n) SET r += l.props

// Project.documents.drop (elements)
UNWIND $elements AS e MATCH (n:Project) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:HAS_DOCUMENT]->() DELETE r

// Project.documents.link (links)
UNWIND $links AS l MATCH (n:Project) WHERE elementId(n) = l.from MATCH (o:Document) WHERE elementId(o) = l.to CREATE (n)-[r:HAS_DOCUMENT]->(o) SET r += l.props

// Project.vehicles.drop (elements)
UNWIND $elements AS e MATCH (n:Project) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:HAS_VEHICLE]->() DELETE r

// Project.vehicles.link (links)
UNWIND $links AS l MATCH (n:Project) WHERE elementId(n) = l.from MATCH (o:Vehicle) WHERE elementId(o) = l.to CREATE (n)-[r:HAS_VEHICLE]->(o) SET r += l.props

// Vehicle.read_existing (label, rows)
UNWIND $rows AS r OPTIONAL MATCH (s:SourceRecord {entity: $label, system: r.system, key: r.key}) OPTIONAL MATCH (s)-[:SOURCE_OF]->(bySource:Vehicle) OPTIONAL MATCH (byKey:Vehicle {vin: r.nk.vin}) RETURN collect({ i: r.i, hash: s.payloadHash, erased: s.erasedAt IS NOT NULL, former: s.formerGolden, deletedPayload: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.payload END, deletedReceivedAt: CASE WHEN s.deletedAt IS NULL THEN null ELSE s.receivedAt END, sourceId: bySource.id, sourceState: bySource.state, sourceVersion: bySource.version, sourceDeleted: bySource.deletedAt, sourceElement: CASE WHEN bySource IS NULL THEN null ELSE elementId(bySource) END, keyId: byKey.id, keyState: byKey.state, keyVersion: byKey.version, keyDeleted: byKey.deletedAt, keyElement: CASE WHEN byKey IS NULL THEN null ELSE elementId(byKey) END }) AS rows

// Vehicle.origins (ids)
UNWIND $ids AS id MATCH (g:Vehicle {id: id}) RETURN g.id AS id, g.overrides AS overrides, g.state AS state, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Vehicle.create_records (now, rows)
UNWIND $rows AS g CREATE (n:Vehicle) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Vehicle.update_records (now, rows)
UNWIND $rows AS g MATCH (n:Vehicle) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null

// Vehicle.create_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g CREATE (n:Vehicle) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Vehicle.update_records.batch (batch, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now WITH b UNWIND $rows AS g MATCH (n:Vehicle) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Vehicle.create_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g CREATE (n:Vehicle) SET n += g.props, n.id = g.id, n.state = g.state, n.version = 1, n.createdAt = $now, n.updatedAt = $now, n.logged = coalesce(n.logged, []) + g.event RETURN collect({id: g.id, element: elementId(n)}) AS rows

// Vehicle.update_records.held (batch, held, now, rows)
CREATE (b:ChangeBatch) SET b += $batch, b.at = $now CREATE (x:ChangeEvents) SET x += $held WITH b UNWIND $rows AS g MATCH (n:Vehicle) WHERE elementId(n) = g.element SET n += g.props, n.state = g.state, n.version = n.version + 1, n.updatedAt = $now, n.deletedAt = null, n.logged = coalesce(n.logged, []) + g.event

// Vehicle.origins.plain (ids)
UNWIND $ids AS id MATCH (g:Vehicle {id: id}) RETURN g.id AS id, g.overrides AS overrides, [(g)<-[:SOURCE_OF]-(s:SourceRecord) WHERE s.deletedAt IS NULL | s {.system, .key, .payload, .receivedAt}] AS sources

// Vehicle.new_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Vehicle) WHERE elementId(n) = s.golden CREATE (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.id = s.id, r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now CREATE (r)-[:SOURCE_OF]->(n)

// Vehicle.known_sources (label, now, rows)
UNWIND $rows AS s MATCH (n:Vehicle) WHERE elementId(n) = s.golden MATCH (r:SourceRecord {entity: $label, system: s.system, key: s.key}) SET r.payload = s.payload, r.payloadHash = s.hash, r.receivedAt = $now, r.deletedAt = null, r.deletionReason = null WITH r, n OPTIONAL MATCH (r)-[old:SOURCE_OF]->(other) WHERE other.id <> n.id DELETE old WITH DISTINCT r, n MERGE (r)-[:SOURCE_OF]->(n)

// Vehicle.owner.drop (elements)
UNWIND $elements AS e MATCH (n:Vehicle) WHERE elementId(n) = e OPTIONAL MATCH (n)<-[r:OWNS]-() DELETE r

// Vehicle.owner.link (links)
UNWIND $links AS l MATCH (n:Vehicle) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (o)-[r:OWNS]->(n) SET r += l.props

// Vehicle.dealer.drop (elements)
UNWIND $elements AS e MATCH (n:Vehicle) WHERE elementId(n) = e OPTIONAL MATCH (n)<-[r:DEALER_OF]-() DELETE r

// Vehicle.dealer.link (links)
UNWIND $links AS l MATCH (n:Vehicle) WHERE elementId(n) = l.from MATCH (o:BusinessPartner) WHERE elementId(o) = l.to CREATE (o)-[r:DEALER_OF]->(n) SET r += l.props

// Vehicle.material.drop (elements)
UNWIND $elements AS e MATCH (n:Vehicle) WHERE elementId(n) = e OPTIONAL MATCH (n)-[r:OF_MATERIAL]->() DELETE r

// Vehicle.material.link (links)
UNWIND $links AS l MATCH (n:Vehicle) WHERE elementId(n) = l.from MATCH (o:Material) WHERE elementId(o) = l.to CREATE (n)-[r:OF_MATERIAL]->(o) SET r += l.props

// items.elsewhere (uiids)
UNWIND $uiids AS u MATCH (:ContractItem {uiid: u})<-[:HAS_ITEM]-(c:Contract) RETURN u AS uiid, c.id AS contract

// items.drop_unlisted (rows)
UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element OPTIONAL MATCH (n)-[:HAS_ITEM]->(old:ContractItem) WHERE NOT old.uiid IN c.uiids DETACH DELETE old

// items.stored (uiids)
UNWIND $uiids AS u MATCH (i:ContractItem {uiid: u}) RETURN collect(u) AS rows

// items.create (rows)
UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element UNWIND c.items AS item CREATE (n)-[:HAS_ITEM]->(i:ContractItem) SET i += item.props, i.uiid = item.uiid RETURN collect({uiid: i.uiid, element: elementId(i)}) AS rows

// items.merge (rows)
UNWIND $rows AS c MATCH (n:Contract) WHERE elementId(n) = c.element UNWIND c.items AS item MERGE (i:ContractItem {uiid: item.uiid}) SET i += item.props MERGE (n)-[:HAS_ITEM]->(i) WITH i OPTIONAL MATCH (i)-[r:COVERS]->(:Vehicle) DELETE r WITH DISTINCT i RETURN collect({uiid: i.uiid, element: elementId(i)}) AS rows

// items.cover_vehicles (links)
UNWIND $links AS l MATCH (i:ContractItem) WHERE elementId(i) = l.item MATCH (v:Vehicle) WHERE elementId(v) = l.vehicle CREATE (i)-[:COVERS]->(v)

// items.relink_issued (uiids)
UNWIND $uiids AS u MATCH (o:IdentificationObject {itemUiid: u}) MATCH (i:ContractItem {uiid: u}) WHERE NOT EXISTS { (o)-[:ISSUED_FOR]->(i) } CREATE (o)-[:ISSUED_FOR]->(i)

// partners.survivors (ids)
UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) WHERE g.mergedInto IS NOT NULL RETURN id, g.mergedInto AS survivor

// process.fed_by (id, system)
MATCH (n:Contract {id: $id}) RETURN EXISTS { (n)<-[:SOURCE_OF]-(s:SourceRecord {system: $system}) WHERE s.deletedAt IS NULL } AS ours

// process.state_of (id)
MATCH (n:Contract {id: $id}) RETURN n.state AS state, n.version AS version

// process.lock_contract (id, now)
MATCH (c:Contract {id: $id}) SET c.lockedAt = $now

// process.change_of_id (change, id)
MATCH (:Contract {id: $id})-[:HAS_CHANGE]->(x:ContractChange {changeId: $change}) RETURN x.process AS process, x.effectiveDate AS effective, x.itemUiid AS item, x.newEndDate AS newEndDate

// process.record_change (change, id)
MATCH (c:Contract {id: $id}) CREATE (c)-[:HAS_CHANGE]->(x:ContractChange) SET x += $change

// process.new_contract_version (id, now)
MATCH (c:Contract {id: $id}) SET c.version = c.version + 1, c.updatedAt = $now

// process.issued_objects (id)
MATCH (o:IdentificationObject)-[:ISSUED_UNDER]->(:Contract {id: $id}) WHERE o.deletedAt IS NULL RETURN o.id AS id, o.state AS state, o.version AS version

// process.vehicle_event (at, id, type)
MATCH (v:Vehicle {id: $id}) OPTIONAL MATCH (v)-[:HAS_EVENT]->(e:VehicleEvent {type: $type, occurredAt: $at}) RETURN e.mileageKm AS mileage, e.description AS description, e IS NOT NULL AS known

// process.record_vehicle_event (at, description, id, mileage, now, type)
MATCH (v:Vehicle {id: $id}) MERGE (v)-[:HAS_EVENT]->(e:VehicleEvent {type: $type, occurredAt: $at}) SET e.mileageKm = $mileage, e.description = $description, v.version = v.version + 1, v.updatedAt = $now

// process.revisions_of (ids)
UNWIND $ids AS id MATCH (d:Document {id: id}) MATCH (o:Document {number: d.number}) RETURN DISTINCT d.number AS number, collect(DISTINCT [o.id, o.revision]) AS revisions

// process.unchain_revisions (numbers)
UNWIND $numbers AS number MATCH (d:Document {number: number})-[r:REVISION_OF]->() DELETE r

// process.chain_revisions (links)
UNWIND $links AS l MATCH (n:Document {id: l.newer}) MATCH (o:Document {id: l.older}) CREATE (n)-[:REVISION_OF]->(o)

// steward.candidate_status (id)
MATCH (c:MatchCandidate {id: $id}) RETURN c.status AS status

// steward.candidate_pair (id)
MATCH (c:MatchCandidate {id: $id}) MATCH (c)-[:LEFT]->(l:BusinessPartner) MATCH (c)-[:RIGHT]->(r:BusinessPartner) RETURN c.status AS status, l.id AS left, r.id AS right

// steward.reject_candidate (by, id, now, onBehalfOf, reason)
MATCH (c:MatchCandidate {id: $id}) WHERE c.status = 'OPEN' SET c.status = 'REJECTED', c.decidedAt = $now, c.decidedBy = $by, c.decidedOnBehalfOf = $onBehalfOf, c.reason = $reason WITH c MATCH (c)-[:LEFT|RIGHT]->(p:BusinessPartner) RETURN c.id AS candidate, p.id AS partner

// steward.lock_partners (ids, now)
UNWIND $ids AS id MATCH (g:BusinessPartner {id: id}) SET g.lockedAt = $now

// steward.golden (id)
MATCH (g:BusinessPartner {id: $id}) RETURN g.id AS id, g.state AS state, g.version AS version, g.mergedInto AS mergedInto, g.mergedFrom AS mergedFrom, g.overrides AS overrides, g.deletedAt AS deletedAt

// steward.move.ABOUT.in.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:ABOUT]-(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:ABOUT]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.ABOUT.in.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:ABOUT]-(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:ABOUT]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.DEALER_OF.out.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:DEALER_OF]->(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:DEALER_OF]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.DEALER_OF.out.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:DEALER_OF]->(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:DEALER_OF]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.HELD_BY.in.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:HELD_BY]-(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:HELD_BY]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.HELD_BY.in.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:HELD_BY]-(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:HELD_BY]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.OWNS.out.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:OWNS]->(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:OWNS]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.OWNS.out.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:OWNS]->(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:OWNS]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.PARTICIPATES_IN.out.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:PARTICIPATES_IN]->(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:PARTICIPATES_IN]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.PARTICIPATES_IN.out.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:PARTICIPATES_IN]->(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:PARTICIPATES_IN]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.PARTY_TO.out.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:PARTY_TO]->(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:PARTY_TO]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.PARTY_TO.out.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:PARTY_TO]->(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:PARTY_TO]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.RELATED_TO.in.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:RELATED_TO]-(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:RELATED_TO]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.RELATED_TO.in.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)<-[r:RELATED_TO]-(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)<-[n:RELATED_TO]-(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.RELATED_TO.out.all (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:RELATED_TO]->(x) WHERE true MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:RELATED_TO]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.move.RELATED_TO.out.only (only, source, target)
MATCH (m:BusinessPartner {id: $source}) MATCH (m)-[r:RELATED_TO]->(x) WHERE r.movedFrom = $only MATCH (s:BusinessPartner {id: $target}) CREATE (s)-[n:RELATED_TO]->(x) SET n = properties(r), n.movedFrom = coalesce(r.movedFrom, $source) DELETE r

// steward.set_overrides (id, overrides)
MATCH (g:BusinessPartner {id: $id}) SET g.overrides = $overrides

// steward.add_merged_from (id, ids)
MATCH (s:BusinessPartner {id: $id}) SET s.mergedFrom = coalesce(s.mergedFrom, []) + $ids

// steward.merge_one.0 (by, merged, now, onBehalfOf, pair, reason, survivor)
MATCH (m:BusinessPartner {id: $merged})<-[r:SOURCE_OF]-(x:SourceRecord) MATCH (s:BusinessPartner {id: $survivor}) SET x.formerGolden = coalesce(x.formerGolden, $merged) CREATE (x)-[:SOURCE_OF]->(s) DELETE r

// steward.merge_one.1 (by, merged, now, onBehalfOf, pair, reason, survivor)
MATCH (c:MatchCandidate {pair: $pair}) WHERE c.status = 'OPEN' SET c.status = 'MERGED', c.decidedAt = $now, c.decidedBy = $by, c.decidedOnBehalfOf = $onBehalfOf, c.reason = $reason

// steward.merge_one.2 (by, merged, now, onBehalfOf, pair, reason, survivor)
MATCH (m:BusinessPartner {id: $merged})-[:HAS_ADDRESS]->(a:Address) DETACH DELETE a

// steward.merge_one.3 (by, merged, now, onBehalfOf, pair, reason, survivor)
MATCH (t:BusinessPartner {mergedInto: $merged}) SET t.mergedInto = $survivor

// steward.merge_one.4 (by, merged, now, onBehalfOf, pair, reason, survivor)
MATCH (m:BusinessPartner {id: $merged}) SET m.mergedInto = $survivor, m.mergedFrom = null, m.version = m.version + 1, m.updatedAt = $now

// steward.candidates_with (merged)
MATCH (c:MatchCandidate)-[side:LEFT|RIGHT]->(:BusinessPartner {id: $merged}) MATCH (c)-[:LEFT|RIGHT]->(o:BusinessPartner) WHERE o.id <> $merged RETURN c.id AS id, c.status AS status, type(side) AS side, o.id AS other

// steward.candidate_of_pair (pair)
MATCH (t:MatchCandidate {pair: $pair}) RETURN t.id AS id

// steward.copy_decision (id, twin)
MATCH (c:MatchCandidate {id: $id}) MATCH (t:MatchCandidate {id: $twin}) SET t.status = c.status, t.decidedAt = c.decidedAt, t.decidedBy = c.decidedBy, t.reason = c.reason

// steward.drop_candidate (id)
MATCH (c:MatchCandidate {id: $id}) DETACH DELETE c

// steward.repoint.LEFT (id, merged, pair, survivor)
MATCH (c:MatchCandidate {id: $id})-[r:LEFT]->(:BusinessPartner {id: $merged}) MATCH (s:BusinessPartner {id: $survivor}) CREATE (c)-[:LEFT]->(s) SET c.pair = $pair DELETE r

// steward.repoint.RIGHT (id, merged, pair, survivor)
MATCH (c:MatchCandidate {id: $id})-[r:RIGHT]->(:BusinessPartner {id: $merged}) MATCH (s:BusinessPartner {id: $survivor}) CREATE (c)-[:RIGHT]->(s) SET c.pair = $pair DELETE r

// steward.source_of (key, system)
MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})-[:SOURCE_OF]->(g:BusinessPartner) RETURN g.id AS golden, x.formerGolden AS former, x.deletedAt IS NOT NULL AS gone, g.erasedAt IS NOT NULL AS erased, COUNT { (g)<-[:SOURCE_OF]-(:SourceRecord) } AS sources, COUNT { (g)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o <> x AND o.deletedAt IS NULL } AS othersLive, [(g)<-[:SOURCE_OF]-(o:SourceRecord) WHERE o <> x | o.system + '/' + o.key] AS others

// steward.revive (id)
MATCH (m:BusinessPartner {id: $id}) SET m.mergedInto = null

// steward.drop_merged_from (id, split)
MATCH (s:BusinessPartner {id: $id}) SET s.mergedFrom = [m IN coalesce(s.mergedFrom, []) WHERE m <> $split]

// steward.split_source (key, split, system)
MATCH (x:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key})-[r:SOURCE_OF]->(:BusinessPartner) MATCH (n:BusinessPartner {id: $split}) SET x.formerGolden = null CREATE (x)-[:SOURCE_OF]->(n) DELETE r

// steward.never_again (by, cid, golden, now, onBehalfOf, pair, reason, split)
MATCH (l:BusinessPartner {id: $split}) MATCH (r:BusinessPartner {id: $golden}) MERGE (c:MatchCandidate {pair: $pair}) ON CREATE SET c.id = $cid, c.score = 0.0, c.createdAt = $now, c.features = '[]', c.explanation = 'split by a steward' SET c.status = 'REJECTED', c.split = true, c.decidedAt = $now, c.decidedBy = $by, c.decidedOnBehalfOf = $onBehalfOf, c.reason = $reason WITH c, l, r OPTIONAL MATCH (c)-[old:LEFT|RIGHT]->() DELETE old WITH DISTINCT c, l, r CREATE (c)-[:LEFT]->(l) CREATE (c)-[:RIGHT]->(r)
