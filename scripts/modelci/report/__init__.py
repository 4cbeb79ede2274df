"""The report: load a run or compare directory, then render it as markdown or HTML.

`inputs` reads the JSON contract into frozen data, `content` turns that data into sections, and
`markdown` / `html` render the sections. Rendering is pure: no file or network access, so the
same data renders twice, capped for the PR comment and in full for the job summary.
"""
