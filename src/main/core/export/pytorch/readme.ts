// README.md of an exported training recipe: how to run train.py on one machine, on N GPUs, on several
// machines, under Slurm and on Kubernetes (Kubeflow PyTorchJob), and how to bring the result back.
import type { Recipe } from '../../training/recipe.js';

export function recipeReadme(recipe: Recipe, splits: { train: number; val: number; test: number }): string {
  const hp = recipe.hyperparameters;
  const total = splits.train + splits.val + splits.test;
  return `# Training recipe: ${recipe.name}

Written by Facet Studio ${recipe.facetVersion} (\`facet export-training\`) on ${recipe.createdAt}.
Data set "${recipe.datasetName}" (snapshot ${recipe.snapshotId}), ${total} images in ${recipe.classes.length} classes
(${recipe.classes.join(', ')}): ${splits.train} train, ${splits.val} val, ${splits.test} test.

Model: Facet's seed CNN at ${hp.imageSize}×${hp.imageSize} ${hp.colorMode}, conv blocks [${hp.filters.join(', ')}] with
'${(hp as { padding?: string }).padding ?? 'valid'}' padding, dense ${hp.denseUnits}${hp.dropout > 0 ? `, dropout ${hp.dropout}` : ''}; ${hp.optimizer} (lr ${hp.learningRate}),
batch ${hp.batchSize} (global), ${hp.epochs} epochs${hp.patience > 0 ? `, early stopping after ${hp.patience} epochs without a lower val_loss` : ''}, seed ${hp.seed}.

| file | what |
|---|---|
| \`train.py\` | the recipe: PyTorch ≥ 1.13, numpy and Pillow, nothing else |
| \`recipe.json\` | classes, hyperparameters and where the data set came from |
| \`manifest.csv\` | every image: file (below \`images/\`), label, class index, split, original path, content hash |
| \`images/\` | ${
    recipe.images === 'prepared'
      ? `the images as Facet's model sees them (decoded, resized to ${hp.imageSize}×${hp.imageSize}, lossless PNG)`
      : recipe.images === 'copy'
        ? 'copies of the original files (train.py resizes them with Pillow, close to but not exactly as Facet does)'
        : 'symbolic links to the original files (they must be reachable where train.py runs)'
  } |

## Run it

One machine, one process (CPU or one GPU):

\`\`\`sh
python3 train.py
\`\`\`

One machine, N processes (N GPUs, or N CPU processes) with DistributedDataParallel:

\`\`\`sh
torchrun --nproc_per_node N train.py
\`\`\`

Several machines (run on each, with its own --node_rank):

\`\`\`sh
torchrun --nnodes 2 --node_rank 0 --nproc_per_node 4 --master_addr HOST0 --master_port 29500 train.py
\`\`\`

Slurm (\`sbatch train.sbatch\`; the folder must be on a file system every node sees):

\`\`\`sh
#!/bin/bash
#SBATCH --job-name=facet-recipe
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
srun torchrun --nnodes "$SLURM_NNODES" --nproc_per_node 4 \\
  --rdzv_id "$SLURM_JOB_ID" --rdzv_backend c10d --rdzv_endpoint "$head:29500" train.py
\`\`\`

Kubernetes with the Kubeflow training operator (the folder mounted at /recipe in every pod):

\`\`\`yaml
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: facet-recipe
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
              command: ["torchrun", "--nproc_per_node", "1", "/recipe/train.py"]
              resources: { limits: { nvidia.com/gpu: 1 } }
              volumeMounts: [{ name: recipe, mountPath: /recipe }]
          volumes: [{ name: recipe, persistentVolumeClaim: { claimName: facet-recipe } }]
    Worker:
      replicas: 3
      template:
        spec:
          containers:
            - name: pytorch
              image: pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime
              command: ["torchrun", "--nproc_per_node", "1", "/recipe/train.py"]
              resources: { limits: { nvidia.com/gpu: 1 } }
              volumeMounts: [{ name: recipe, mountPath: /recipe }]
          volumes: [{ name: recipe, persistentVolumeClaim: { claimName: facet-recipe } }]
\`\`\`

On Debian 12's \`python3-torch\` (torch 1.13 with Python 3.11) torchrun stops at start with
\`'NoneType' object has no attribute 'get'\` (its default \`--redirects 0\` no longer parses on 3.11; fixed in
torch 2): add \`--redirects 2 --tee 2\` after \`torchrun\`.

Options: \`--epochs N\` overrides the epochs, \`--out DIR\` moves the result (default \`result/\`), \`--cpu\`
ignores GPUs, \`--workers N\` sets data-loader processes. Under torchrun the batch of ${hp.batchSize} is split
across the processes; gloo is used on CPUs, nccl on GPUs.

## What comes out, and bringing it back

\`result/metrics.json\` (one row per epoch), \`result/test.json\` (test loss, accuracy and every test image's
probabilities, from the best epoch's weights), \`result/model.safetensors\` (the best epoch's weights) and
\`result/result.json\` (torch version, processes, device, host). Copy the folder back, then:

\`\`\`sh
facet import-run ${'path/to/this/folder'}
\`\`\`

Facet converts the weights into its own model, evaluates them on the test split with its own engine,
checks that the test accuracy and every image's probabilities agree with what train.py reported, and
adds the run to data set "${recipe.datasetName}" — to compare, evaluate, audit and export like any other.
`;
}
