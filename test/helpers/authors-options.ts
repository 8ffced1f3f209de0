/** An option file in the authors' BasicSR format, as their deraining training ships it (with the keys we read, ignore and refuse). */
export const AUTHORS_STYLE = `
name: Deraining_DFT
model_type: ImageCleanModel
scale: 1
num_gpu: 8
manual_seed: 100
datasets:
  train:
    name: TrainSet
    type: Dataset_PairedImage
    dataroot_gt: ./Datasets/train/Rain13K/target
    dataroot_lq: ./Datasets/train/Rain13K/input
    geometric_augs: true
    filename_tmpl: '{}'
    io_backend:
      type: disk
    use_shuffle: true
    num_worker_per_gpu: 8
    batch_size_per_gpu: 8
    mini_batch_sizes: [8,5,4,2,1,1]
    iters: [92000,64000,48000,36000,36000,24000]
    gt_size: 384
    gt_sizes: [128,160,192,256,320,384]
    dataset_enlarge_ratio: 1
    prefetch_mode: ~
  val:
    name: ValSet
    type: Dataset_PairedImage
    dataroot_gt: ./Datasets/test/Rain100L/target
    dataroot_lq: ./Datasets/test/Rain100L/input
    io_backend:
      type: disk
network_g:
  type: DFT
  inp_channels: 6
  out_channels: 3
  dim: 48
  num_blocks: [4,6,6,8]
  heads: [1,2,4,8]
  ffn_factor: 4.0
  ffn_expansion_factor: 2.66
  bias: False
  LayerNorm_type: WithBias
  dual_pixel_task: False
  d_state: 32
path:
  pretrain_network_g: ~
  strict_load_g: true
  resume_state: ~
  param_key_g: params_ema
train:
  total_iter: 300000
  warmup_iter: -1
  use_grad_clip: true
  scheduler:
    type: CosineAnnealingRestartCyclicLR
    periods: [92000, 208000]
    restart_weights: [1,1]
    eta_mins: [0.0003,0.000001]
  mixing_augs:
    mixup: false
    mixup_beta: 1.2
    use_identity: true
  optim_g:
    type: AdamW
    lr: !!float 3e-4
    weight_decay: !!float 1e-4
    betas: [0.9, 0.999]
  pixel_opt:
    type: L1Loss
    loss_weight: 1
    reduction: mean
val:
  window_size: 8
  val_freq: !!float 4e3
  save_img: false
  rgb2bgr: true
  use_image: true
  max_minibatch: 8
  metrics:
    psnr:
      type: calculate_psnr
      crop_border: 0
      test_y_channel: true
logger:
  print_freq: 1000
  save_checkpoint_freq: !!float 4e3
  use_tb_logger: true
  wandb:
    project: ~
    resume_id: ~
dist_params:
  backend: nccl
  port: 29500
`;
