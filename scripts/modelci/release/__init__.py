"""Releases: publish an evaluated run as a GitHub release, and fetch one back as a baseline.

- `tags`: the tag grammar (`v1.2.3`, `NAME@v1.2.3`, prereleases) and choosing among releases;
- `card`, `notes`: the model card and the release notes, built as data and rendered purely;
- `assets`: what a release holds (file names, content types, SHA256SUMS);
- `remote`: the GitHub release calls (find, create, upload with replace, download);
- `publish`: `ReleasePublisher`, the draft → upload → publish sequence.
"""
