-- The edges of the impact graph for PostgreSQL, as bench/impact_1m.sh asks it "what depends on
-- X": one row per (node, what it depends on), read as CSV from psql's standard input.
--   psql -X -q -v ON_ERROR_STOP=1 -f bench/pg_dependents.sql URL < edges.csv
SET client_min_messages = warning;
DROP TABLE IF EXISTS edge;
CREATE TABLE edge(node text NOT NULL, dep text NOT NULL);
\copy edge FROM pstdin WITH (FORMAT csv)
CREATE INDEX edge_dep ON edge(dep);
ANALYZE edge;
-- The question, for one X (here 'internet'), as the script times it:
--   WITH RECURSIVE up(n) AS (SELECT node FROM edge WHERE dep = 'internet'
--     UNION SELECT e.node FROM edge e JOIN up ON e.dep = up.n) SELECT count(*) FROM up;
