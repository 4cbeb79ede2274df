"""What modelci does on a pull request, over the GitHub transport in `modelci.github`.

- `rendering`: what the comment shows (one report or a leaderboard, and its plots), loaded
  from run directories or from a fork's bundle;
- `comment_flow`: posting it from the pull request's job, or writing the bundle instead;
- `from_run`: the trusted `workflow_run` job that renders and posts a run's bundles;
- `sticky`: the one report comment per pull request and key, updated in place;
- `plot_branch`: the plot images, committed to the `modelci-assets` branch and linked by commit;
- `bundle`: a fork's comment bundle, written by the untrusted job and read by the trusted poster;
- `check_run`: the verdict as a check run (or a commit status) with gate annotations.
"""
