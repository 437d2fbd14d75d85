# The nixpkgs checkpoint build (pkgs/build-support/checkpoint-build.nix), with
# the same interface, on top of checkpoint-tools' prepare-checkpoint-build and
# checkpoint-build instead of cp, diff, rm, rsync and patch.
#
#   checkpointBuildTools = pkgs.callPackage ./checkpoint-build.nix {
#     checkpoint-tools = ...; # a package whose bin/ holds snap, treediff,
#                             # treesync, applypatch and the two scripts
#   };
#   helloCheckpoint = checkpointBuildTools.prepareCheckpointBuild pkgs.hello;
#   changedHello = checkpointBuildTools.mkCheckpointBuild
#     (pkgs.hello.overrideAttrs (old: { patches = [ ./greeting.patch ]; }))
#     helloCheckpoint;
#
# prepareCheckpointBuild drv: a derivation whose $out is a checkpoint of drv's
#   build: $out/sources (the build directory before buildPhase, after the
#   patch and configure phases) and $out/outputs (the build directory after
#   it), each with an mtree manifest beside it.
# mkCheckpointBuild drv checkpointArtifacts: drv, built incrementally: before
#   buildPhase, the build directory is set back to the checkpoint's outputs
#   with drv's source changes applied on top (stamped now), so the build tool
#   rebuilds only what depends on them.
#
# Unlike the original, nothing is lost between the two builds (added files,
# empty files and directories, binaries, symlinks, modes, dotfiles), and a
# failing step fails the build instead of being ignored.
{ lib, checkpoint-tools }:

let
  prepare = "${checkpoint-tools}/bin/prepare-checkpoint-build";
  rebuild = "${checkpoint-tools}/bin/checkpoint-build";

  prepareCheckpointBuild =
    drv:
    drv.overrideAttrs (old: {
      outputs = [ "out" ];
      name = drv.name + "-checkpointArtifacts";
      # The build directory before the build: what later source changes are
      # measured against.
      preBuild = (old.preBuild or "") + ''
        ${prepare} --only=sources "$out"
      '';
      # The whole build directory after the build (in-tree builds included).
      installPhase = ''
        runHook preCheckpointInstall
        ${prepare} --only=outputs "$out"
        runHook postCheckpointInstall
        unset postPhases
      '';
      dontFixup = true;
      doInstallCheck = false;
      doDist = false;
    });

  mkCheckpointBuild =
    drv: checkpointArtifacts:
    drv.overrideAttrs (old: {
      # Restore the checkpoint's outputs and re-apply the source changes;
      # buildPhase then does the incremental build.
      preBuild = (old.preBuild or "") + ''
        ${rebuild} ${lib.escapeShellArg "${checkpointArtifacts}"}
      '';
    });
in
{
  inherit prepareCheckpointBuild mkCheckpointBuild;
  # The old name, kept as nixpkgs keeps it.
  mkCheckpointedBuild = lib.warn "mkCheckpointedBuild is deprecated, use mkCheckpointBuild instead!" mkCheckpointBuild;
}
