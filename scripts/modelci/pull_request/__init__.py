"""What modelci does on a pull request, over the GitHub transport in `modelci.github`.

- `sticky`: the one report comment per pull request and key, updated in place;
- `plot_branch`: the plot images, committed to the `modelci-assets` branch and linked by commit;
- `bundle`: a fork's comment bundle, written by the untrusted job and read by the trusted poster;
- `check_run`: the verdict as a check run (or a commit status) with gate annotations.
"""
