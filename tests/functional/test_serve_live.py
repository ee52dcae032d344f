"""The server sees writes made by others: `ebcm import` into the database being served."""
import time
import unittest

from servetest import ServeTestCase


class ImportWhileServing(ServeTestCase):
    def test_an_import_is_served_within_a_second_and_an_edit_after_it_is_not_stale(self):
        server = self.start()
        cookie, csrf = self.sign_in(server, "admin", server.admin_password)
        status, headers, _, before = server.request("GET", "/api/v1/people/anna", cookie=cookie)
        self.assertEqual(status, 200, before)

        # Another process commits a revision: the same model with one person renamed.
        model = self.read_contoso().replace("Anna Lindqvist", "Anna Lindqvist-Berg")
        self.assertIn("Lindqvist-Berg", model)
        self.write("changed.yaml", model)
        self.ok("import", "changed.yaml", "--db", "ebcm.db")

        deadline = time.monotonic() + 1.0
        while True:
            status, headers, _, doc = server.request("GET", "/api/v1/people/anna", cookie=cookie)
            if doc.get("name") == "Anna Lindqvist-Berg" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(doc.get("name"), "Anna Lindqvist-Berg",
                         "the import was not served within a second")
        status, _, _, revision = server.request("GET", "/readyz")
        self.assertEqual(revision["revision"], 2)

        # An edit made on what the server now shows is accepted (not 409/412 as stale).
        status, after, _, doc = server.request(
            "PATCH", "/api/v1/people/anna", {"name": "Anna L.-B."}, cookie=cookie, csrf=csrf,
            headers={"If-Match": headers["etag"]})
        self.assertEqual(status, 200, doc)
        self.assertEqual(after["x-ebcm-revision"], "3")
        self.assertEqual(doc["name"], "Anna L.-B.")

    def read_contoso(self):
        from clitest import CONTOSO
        with open(CONTOSO, encoding="utf-8") as f:
            return f.read()


if __name__ == "__main__":
    unittest.main()
