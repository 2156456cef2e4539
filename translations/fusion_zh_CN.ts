<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <source>not enough memory</source>
        <translation>内存不足</translation>
    </message>
</context>
<context>
    <name>fw::scene</name>
    <message>
        <source>image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>DWI</source>
        <translation>弥散加权（DWI）</translation>
    </message>
    <message>
        <source>BOLD</source>
        <translation>功能成像（BOLD）</translation>
    </message>
    <message>
        <source>multi-echo</source>
        <translation>多回波</translation>
    </message>
    <message>
        <source>4D</source>
        <translation>四维</translation>
    </message>
    <message>
        <source>localizer</source>
        <translation>定位像</translation>
    </message>
    <message>
        <source>not a volume</source>
        <translation>无法组成容积</translation>
    </message>
    <message>
        <source>b = %1 s/mm²</source>
        <translation>b = %1 s/mm²</translation>
    </message>
    <message>
        <source>gradient (%1, %2, %3)</source>
        <translation>梯度方向 (%1, %2, %3)</translation>
    </message>
    <message>
        <source>TE = %1 ms</source>
        <translation>TE = %1 ms</translation>
    </message>
    <message>
        <source>t = %1 s</source>
        <translation>t = %1 秒</translation>
    </message>
    <message>
        <source>Brain</source>
        <translation>脑窗</translation>
    </message>
    <message>
        <source>Subdural</source>
        <translation>硬膜下窗</translation>
    </message>
    <message>
        <source>Stroke</source>
        <translation>卒中窗</translation>
    </message>
    <message>
        <source>Bone</source>
        <translation>骨窗</translation>
    </message>
    <message>
        <source>Soft tissue</source>
        <translation>软组织窗</translation>
    </message>
    <message>
        <source>Lung</source>
        <translation>肺窗</translation>
    </message>
</context>
<context>
    <name>fw::scene::RegistrationJob</name>
    <message>
        <source>Registering %1 to %2</source>
        <translation>正在将 %1 配准到 %2</translation>
    </message>
    <message>
        <source>the registration gave no result</source>
        <translation>配准没有结果</translation>
    </message>
    <message>
        <source>the fixed or moving volume changed while the registration ran</source>
        <translation>配准运行期间参考图像或浮动图像已更改</translation>
    </message>
</context>
<context>
    <name>fw::scene::StudyModel</name>
    <message>
        <source>%1, colour</source>
        <translation>%1，彩色</translation>
    </message>
    <message>
        <source>%1x%2, %3 images</source>
        <translation>%1x%2，%3 幅图像</translation>
    </message>
    <message>
        <source> x %1 vol</source>
        <translation> x %1 个容积</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>（无姓名）</translation>
    </message>
    <message>
        <source>1 study</source>
        <translation>1 个检查</translation>
    </message>
    <message>
        <source>%1 studies</source>
        <translation>%1 个检查</translation>
    </message>
    <message>
        <source>(no description)</source>
        <translation>（无描述）</translation>
    </message>
    <message>
        <source>%1 series</source>
        <translation>%1 个序列</translation>
    </message>
    <message>
        <source>Patient: %1</source>
        <translation>患者: %1</translation>
    </message>
    <message>
        <source>ID: %1  Born: %2  Sex: %3</source>
        <translation>ID: %1  出生: %2  性别: %3</translation>
    </message>
    <message>
        <source>Study: %1</source>
        <translation>检查: %1</translation>
    </message>
    <message>
        <source>Date: %1  Accession: %2  Study ID: %3</source>
        <translation>日期: %1  检查号: %2  检查 ID: %3</translation>
    </message>
    <message>
        <source>Series %1: %2</source>
        <translation>序列 %1: %2</translation>
    </message>
    <message>
        <source>%1 %2, %3, %4 files</source>
        <translation>%1 %2，%3，%4 个文件</translation>
    </message>
    <message>
        <source>Manufacturer: %1</source>
        <translation>厂商: %1</translation>
    </message>
    <message>
        <source>Cannot load: %1</source>
        <translation>无法加载: %1</translation>
    </message>
    <message>
        <source>Warnings:</source>
        <translation>警告:</translation>
    </message>
    <message>
        <source>Patient / Study / Series</source>
        <translation>患者 / 检查 / 序列</translation>
    </message>
    <message>
        <source>ID / No.</source>
        <translation>ID / 编号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
</context>
<context>
    <name>fw::ui</name>
    <message>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <source>3D</source>
        <translation>三维</translation>
    </message>
    <message>
        <source>CT bone</source>
        <translation>CT 骨骼</translation>
    </message>
    <message>
        <source>CT soft tissue</source>
        <translation>CT 软组织</translation>
    </message>
    <message>
        <source>MR</source>
        <translation>MR</translation>
    </message>
</context>
<context>
    <name>fw::ui::MainWindow</name>
    <message>
        <source>Fusion Workstation</source>
        <translation>融合工作站</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open File…</source>
        <translation>打开文件(&amp;O)…</translation>
    </message>
    <message>
        <source>Open &amp;DICOM Folder…</source>
        <translation>打开 DICOM 文件夹(&amp;D)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <source>Open &amp;Sample Study</source>
        <translation>打开示例检查(&amp;S)</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>Save Screens&amp;hot…</source>
        <translation>保存截图(&amp;H)…</translation>
    </message>
    <message>
        <source>Ctrl+Shift+S</source>
        <translation>Ctrl+Shift+S</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Four Views</source>
        <translation>四视图(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Axial</source>
        <translation>轴位(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Coronal</source>
        <translation>冠状位(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Sagittal</source>
        <translation>矢状位(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;3D</source>
        <translation>三维(&amp;3)</translation>
    </message>
    <message>
        <source>&amp;Reset Views</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <source>&amp;Window/Level</source>
        <translation>窗宽/窗位(&amp;W)</translation>
    </message>
    <message>
        <source>%1  (W %2, L %3)</source>
        <translation>%1  (窗宽 %2, 窗位 %3)</translation>
    </message>
    <message>
        <source>&amp;Default for This Volume</source>
        <translation>此容积的默认值(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Mouse and Keys</source>
        <translation>鼠标与按键(&amp;M)</translation>
    </message>
    <message>
        <source>Mouse and Keys</source>
        <translation>鼠标与按键</translation>
    </message>
    <message>
        <source>&lt;b&gt;Slice views&lt;/b&gt;&lt;br&gt;Left click or drag: move the cursor (all views follow)&lt;br&gt;Wheel, Up/Down, PageUp/PageDown: scroll slices&lt;br&gt;Right drag: window (left/right) and level (up/down)&lt;br&gt;Middle drag or Shift+left drag: pan&lt;br&gt;Ctrl+wheel or Ctrl+left drag: zoom; R: reset view&lt;br&gt;Double-click: maximise or restore the view&lt;br&gt;&lt;br&gt;&lt;b&gt;3D view&lt;/b&gt;&lt;br&gt;Left drag: rotate; middle drag: pan; right drag or wheel: zoom; R: reset&lt;br&gt;&lt;br&gt;&lt;b&gt;Window presets&lt;/b&gt;&lt;br&gt;Ctrl+1 … Ctrl+6</source>
        <translation>&lt;b&gt;切片视图&lt;/b&gt;&lt;br&gt;左键单击或拖动：移动光标（所有视图同步）&lt;br&gt;滚轮、上/下方向键、PageUp/PageDown：逐层浏览&lt;br&gt;右键拖动：调节窗宽（左右）和窗位（上下）&lt;br&gt;中键拖动或 Shift+左键拖动：平移&lt;br&gt;Ctrl+滚轮或 Ctrl+左键拖动：缩放；R：重置视图&lt;br&gt;双击：最大化或还原视图&lt;br&gt;&lt;br&gt;&lt;b&gt;三维视图&lt;/b&gt;&lt;br&gt;左键拖动：旋转；中键拖动：平移；右键拖动或滚轮：缩放；R：重置&lt;br&gt;&lt;br&gt;&lt;b&gt;窗口预设&lt;/b&gt;&lt;br&gt;Ctrl+1 … Ctrl+6</translation>
    </message>
    <message>
        <source>&amp;About</source>
        <translation>关于(&amp;A)</translation>
    </message>
    <message>
        <source>About Fusion Workstation</source>
        <translation>关于融合工作站</translation>
    </message>
    <message>
        <source>&lt;b&gt;Fusion Workstation&lt;/b&gt; %1&lt;br&gt;CT/MRI fusion and visualization.&lt;br&gt;Positions are shown in LPS millimetres (DICOM patient coordinates).</source>
        <translation>&lt;b&gt;融合工作站&lt;/b&gt; %1&lt;br&gt;CT/MRI 融合与可视化。&lt;br&gt;位置以 LPS 毫米显示（DICOM 患者坐标系）。</translation>
    </message>
    <message>
        <source>Main</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Sample Study</source>
        <translation>示例检查</translation>
    </message>
    <message>
        <source> Window: </source>
        <translation> 窗口：</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>  3D: </source>
        <translation>  三维：</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No volume loaded: File &gt; Open, drop a file here, or open the sample study</source>
        <translation>未加载容积：请使用“文件 &gt; 打开”、将文件拖放到此处，或打开示例检查</translation>
    </message>
    <message>
        <source>Cursor (LPS): %1, %2, %3 mm</source>
        <translation>光标 (LPS)：%1, %2, %3 mm</translation>
    </message>
    <message>
        <source>Value: %1%2  Voxel: [%3, %4, %5]</source>
        <translation>值：%1%2  体素：[%3, %4, %5]</translation>
    </message>
    <message>
        <source>Value: outside the volume</source>
        <translation>值：在容积之外</translation>
    </message>
    <message>
        <source>Please wait: %1 is still running</source>
        <translation>请稍候：%1 仍在运行</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>已加载 %1</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <source>Cannot open</source>
        <translation>无法打开</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Opening %1</source>
        <translation>正在打开 %1</translation>
    </message>
    <message>
        <source>Opening the sample study</source>
        <translation>正在打开示例检查</translation>
    </message>
    <message>
        <source>Open Image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <source>Images (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;All files (*)</source>
        <translation>图像 (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.dcm);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open DICOM Folder</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <source>Save Screenshot</source>
        <translation>保存截图</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Study Browser</source>
        <translation>检查浏览器</translation>
    </message>
    <message>
        <source>Open DICOMD&amp;IR…</source>
        <translation>打开 DICOMDIR(&amp;I)…</translation>
    </message>
    <message>
        <source>Study &amp;Browser</source>
        <translation>检查浏览器(&amp;B)</translation>
    </message>
    <message>
        <source>Opening cancelled</source>
        <translation>打开已取消</translation>
    </message>
    <message>
        <source>Cannot open %1</source>
        <translation>无法打开 %1</translation>
    </message>
    <message>
        <source>Nothing to show from %1</source>
        <translation>%1 中没有可显示的图像</translation>
    </message>
    <message>
        <source>Series &apos;%1&apos;: 1 warning</source>
        <translation>序列“%1”：1 条警告</translation>
    </message>
    <message>
        <source>Series &apos;%1&apos;: %2 warnings</source>
        <translation>序列“%1”：%2 条警告</translation>
    </message>
    <message>
        <source>Cannot load series &apos;%1&apos;</source>
        <translation>无法加载序列“%1”</translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <source>the sample study</source>
        <translation>示例检查</translation>
    </message>
    <message>
        <source>Open DICOMDIR</source>
        <translation>打开 DICOMDIR</translation>
    </message>
    <message>
        <source>DICOMDIR (DICOMDIR dicomdir);;All files (*)</source>
        <translation>DICOMDIR (DICOMDIR dicomdir);;所有文件 (*)</translation>
    </message>
    <message>
        <source>&amp;Next Volume</source>
        <translation>下一个容积(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Previous Volume</source>
        <translation>上一个容积(&amp;P)</translation>
    </message>
    <message>
        <source>R %1 G %2 B %3  Voxel: [%4, %5, %6]</source>
        <translation>R %1 G %2 B %3  体素: [%4, %5, %6]</translation>
    </message>
    <message>
        <source>%1, volume %2 of %3</source>
        <translation>%1，第 %2 个容积（共 %3 个）</translation>
    </message>
    <message>
        <source>Scanning %1</source>
        <translation>正在扫描%1</translation>
    </message>
    <message>
        <source>Scan of %1 cancelled: the browser lists only the series shown</source>
        <translation>%1 的扫描已取消：浏览器仅列出当前显示的序列</translation>
    </message>
    <message>
        <source>Cannot scan %1</source>
        <translation>无法扫描%1</translation>
    </message>
    <message>
        <source>Loaded %1 (%2, %3 volumes)</source>
        <translation>已加载 %1（%2，%3 个容积）</translation>
    </message>
    <message>
        <source>Registration</source>
        <translation>配准</translation>
    </message>
    <message>
        <source>Open Moving Image</source>
        <translation>打开浮动图像</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Open as moving image for registration</source>
        <translation>作为配准的浮动图像打开</translation>
    </message>
    <message>
        <source>&amp;Registration</source>
        <translation>配准(&amp;R)</translation>
    </message>
    <message>
        <source>Registration &amp;Panel</source>
        <translation>配准面板(&amp;P)</translation>
    </message>
    <message>
        <source>Open &amp;Moving Image…</source>
        <translation>打开浮动图像(&amp;M)…</translation>
    </message>
    <message>
        <source>another job is running</source>
        <translation>另一个任务正在运行</translation>
    </message>
    <message>
        <source>Moving image: %1</source>
        <translation>浮动图像: %1</translation>
    </message>
    <message>
        <source>Cannot load the moving image</source>
        <translation>无法加载浮动图像</translation>
    </message>
    <message>
        <source>Loading %1 as the moving image</source>
        <translation>正在将 %1 加载为浮动图像</translation>
    </message>
    <message>
        <source>Opening %1 as the moving image</source>
        <translation>正在将 %1 打开为浮动图像</translation>
    </message>
</context>
<context>
    <name>fw::ui::NoticeBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>… and %1 more (see the series&apos; tooltip in the study browser)</source>
        <translation>……另有 %1 条（见检查浏览器中该序列的提示）</translation>
    </message>
</context>
<context>
    <name>fw::ui::RegistrationPanel</name>
    <message>
        <source>Images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>Fixed:</source>
        <translation>参考:</translation>
    </message>
    <message>
        <source>Moving:</source>
        <translation>浮动:</translation>
    </message>
    <message>
        <source>Choose a series of the study browser as the moving image</source>
        <translation>从检查浏览器中选择一个序列作为浮动图像</translation>
    </message>
    <message>
        <source>File…</source>
        <translation>文件…</translation>
    </message>
    <message>
        <source>Open an image file or DICOM folder as the moving image</source>
        <translation>打开图像文件或 DICOM 文件夹作为浮动图像</translation>
    </message>
    <message>
        <source>Set moving:</source>
        <translation>设置浮动图像:</translation>
    </message>
    <message>
        <source>Automatic registration</source>
        <translation>自动配准</translation>
    </message>
    <message>
        <source>Rigid (6 dof)</source>
        <translation>刚性（6 自由度）</translation>
    </message>
    <message>
        <source>Affine (12 dof)</source>
        <translation>仿射（12 自由度）</translation>
    </message>
    <message>
        <source>B-spline (deformable)</source>
        <translation>B 样条（形变）</translation>
    </message>
    <message>
        <source>SyN (deformable)</source>
        <translation>SyN（形变）</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>配准</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Fusion display</source>
        <translation>融合显示</translation>
    </message>
    <message>
        <source>Blend</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>Checkerboard</source>
        <translation>棋盘格</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>差值</translation>
    </message>
    <message>
        <source>Colour overlay</source>
        <translation>彩色叠加</translation>
    </message>
    <message>
        <source> mm</source>
        <translation> mm</translation>
    </message>
    <message>
        <source>Mode:</source>
        <translation>模式:</translation>
    </message>
    <message>
        <source>Opacity:</source>
        <translation>不透明度:</translation>
    </message>
    <message>
        <source>Squares:</source>
        <translation>方格:</translation>
    </message>
    <message>
        <source>Transform (fixed to moving, LPS)</source>
        <translation>变换（参考到浮动，LPS）</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Ctrl+Shift+Z</source>
        <translation>Ctrl+Shift+Z</translation>
    </message>
    <message>
        <source>Nudge Mode</source>
        <translation>微调模式</translation>
    </message>
    <message>
        <source>Ctrl+Shift+N</source>
        <translation>Ctrl+Shift+N</translation>
    </message>
    <message>
        <source>Arrows and PageUp/PageDown move the moving image 1 mm, Ctrl+arrows rotate it 1 degree about the cursor; drag to move, Ctrl+drag to rotate</source>
        <translation>方向键和 PageUp/PageDown 将浮动图像移动 1 mm，Ctrl+方向键绕光标旋转 1 度；拖动以移动，Ctrl+拖动以旋转</translation>
    </message>
    <message>
        <source>Reset Transform</source>
        <translation>重置变换</translation>
    </message>
    <message>
        <source>Save Transform…</source>
        <translation>保存变换…</translation>
    </message>
    <message>
        <source>Load Transform…</source>
        <translation>加载变换…</translation>
    </message>
    <message>
        <source>Save Resampled…</source>
        <translation>保存重采样图像…</translation>
    </message>
    <message>
        <source>Nudge</source>
        <translation>微调</translation>
    </message>
    <message>
        <source>Registration</source>
        <translation>配准</translation>
    </message>
    <message>
        <source>Registration cancelled</source>
        <translation>配准已取消</translation>
    </message>
    <message>
        <source>Registration failed: %1</source>
        <translation>配准失败: %1</translation>
    </message>
    <message>
        <source>Load a fixed image and choose a moving image first</source>
        <translation>请先加载参考图像并选择浮动图像</translation>
    </message>
    <message>
        <source>Please wait: %1 is still running</source>
        <translation>请稍候：%1 仍在运行</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>%1: level %2 of %3, iteration %4, metric %5</source>
        <translation>%1：第 %2 级（共 %3 级），第 %4 次迭代，度量值 %5</translation>
    </message>
    <message>
        <source>Reset transform</source>
        <translation>重置变换</translation>
    </message>
    <message>
        <source>no moving image to apply %1 to</source>
        <translation>没有可应用 %1 的浮动图像</translation>
    </message>
    <message>
        <source>Load %1</source>
        <translation>加载 %1</translation>
    </message>
    <message>
        <source>no fixed and moving image to resample</source>
        <translation>没有可重采样的参考图像和浮动图像</translation>
    </message>
    <message>
        <source>Saving %1</source>
        <translation>正在保存 %1</translation>
    </message>
    <message>
        <source>Resampled image saved</source>
        <translation>重采样图像已保存</translation>
    </message>
    <message>
        <source>Saving cancelled</source>
        <translation>保存已取消</translation>
    </message>
    <message>
        <source>another job is running</source>
        <translation>另一个任务正在运行</translation>
    </message>
    <message>
        <source>Save Transform</source>
        <translation>保存变换</translation>
    </message>
    <message>
        <source>ITK transforms (*.tfm *.txt *.h5)</source>
        <translation>ITK 变换 (*.tfm *.txt *.h5)</translation>
    </message>
    <message>
        <source>Load Transform</source>
        <translation>加载变换</translation>
    </message>
    <message>
        <source>ITK transforms (*.tfm *.txt *.h5);;All files (*)</source>
        <translation>ITK 变换 (*.tfm *.txt *.h5);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save Resampled Image</source>
        <translation>保存重采样图像</translation>
    </message>
    <message>
        <source>NIfTI (*.nii.gz *.nii)</source>
        <translation>NIfTI (*.nii.gz *.nii)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Choose a series…</source>
        <translation>选择序列…</translation>
    </message>
    <message>
        <source>No moving image</source>
        <translation>无浮动图像</translation>
    </message>
    <message>
        <source>deformable + affine</source>
        <translation>形变 + 仿射</translation>
    </message>
    <message>
        <source>identity</source>
        <translation>恒等</translation>
    </message>
    <message>
        <source>rigid</source>
        <translation>刚性</translation>
    </message>
    <message>
        <source>affine</source>
        <translation>仿射</translation>
    </message>
    <message>
        <source>The volume of the 4D moving series to register and show, e.g. the b = 0 volume of a DWI or one volume of a BOLD run; the transform is kept when it changes</source>
        <translation>要配准并显示的 4D 浮动序列中的容积，例如 DWI 的 b = 0 容积或 BOLD 的某一容积；切换容积时保留变换</translation>
    </message>
    <message>
        <source>Moving volume:</source>
        <translation>浮动容积:</translation>
    </message>
    <message>
        <source>Fixed to moving, in LPS millimetres (x to the patient&apos;s left, y posterior, z superior).
Rotation: angles about x, y, z of R = Rz·Ry·Rx.
Centre shift: where the fixed image&apos;s centre lies in the moving image, minus the centre.
Translation: the same transform&apos;s translation about the world origin (0, 0, 0), as in the saved .tfm file and in the output of fusion-cli register.</source>
        <translation>参考到浮动，LPS 毫米（x 指向患者左侧，y 指向后方，z 指向上方）。
旋转：R = Rz·Ry·Rx 绕 x、y、z 轴的角度。
中心位移：参考图像中心在浮动图像中的位置减去该中心。
平移：同一变换绕世界原点 (0, 0, 0) 的平移，与保存的 .tfm 文件及 fusion-cli register 的输出一致。</translation>
    </message>
    <message>
        <source>Done in %1 s: %2 iterations, metric %3 (negative mutual information: lower is better)</source>
        <translation>完成，用时 %1 秒：%2 次迭代，度量值 %3（负互信息：越低越好）</translation>
    </message>
    <message>
        <source>of %1</source>
        <translation>共 %1</translation>
    </message>
    <message>
        <source>of %1: %2</source>
        <translation>共 %1：%2</translation>
    </message>
    <message>
        <source>Rotation (deg):</source>
        <translation>旋转（度）:</translation>
    </message>
    <message>
        <source>Centre shift (mm):</source>
        <translation>中心位移（mm）:</translation>
    </message>
    <message>
        <source>Translation (mm):</source>
        <translation>平移（mm）:</translation>
    </message>
    <message>
        <source>Scale:</source>
        <translation>缩放:</translation>
    </message>
</context>
<context>
    <name>fw::ui::SliceView</name>
    <message>
        <source>ID: %1</source>
        <translation>ID：%1</translation>
    </message>
    <message>
        <source>Born: %1 %2</source>
        <translation>出生日期：%1 %2</translation>
    </message>
    <message>
        <source>%1  Im: %2/%3
%4</source>
        <translation>%1  图像：%2/%3
%4</translation>
    </message>
    <message>
        <source>W: %1 L: %2
Zoom: %3%</source>
        <translation>窗宽：%1 窗位：%2
缩放：%3%</translation>
    </message>
    <message>
        <source>Vol: %1/%2</source>
        <translation>容积: %1/%2</translation>
    </message>
    <message>
        <source>RGB
Zoom: %1%</source>
        <translation>RGB
缩放: %1%</translation>
    </message>
</context>
<context>
    <name>fw::ui::StudyBrowser</name>
    <message>
        <source>Filter: name, ID, date, description, modality…</source>
        <translation>筛选：姓名、ID、日期、描述、模态…</translation>
    </message>
    <message>
        <source>Open a DICOM folder or DICOMDIR, or drop a folder here.</source>
        <translation>打开 DICOM 文件夹或 DICOMDIR，或将文件夹拖放到此处。</translation>
    </message>
    <message>
        <source>1 patient</source>
        <translation>1 位患者</translation>
    </message>
    <message>
        <source>%1 patients</source>
        <translation>%1 位患者</translation>
    </message>
    <message>
        <source>1 study</source>
        <translation>1 个检查</translation>
    </message>
    <message>
        <source>%1 studies</source>
        <translation>%1 个检查</translation>
    </message>
    <message>
        <source>%1: %2, %3, %4 series in %5 files</source>
        <translation>%1：%2，%3，%4 个序列，共 %5 个文件</translation>
    </message>
    <message>
        <source>1 file skipped</source>
        <translation>跳过 1 个文件</translation>
    </message>
    <message>
        <source>%1 files skipped</source>
        <translation>跳过 %1 个文件</translation>
    </message>
    <message>
        <source>1 note</source>
        <translation>1 条说明</translation>
    </message>
    <message>
        <source>%1 notes</source>
        <translation>%1 条说明</translation>
    </message>
    <message>
        <source>Files the scan skipped</source>
        <translation>扫描时跳过的文件</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>(note)</source>
        <translation>（说明）</translation>
    </message>
</context>
<context>
    <name>fw::ui::StudyBrowserProxy</name>
    <message>
        <source>Patient / Study / Series</source>
        <translation>患者 / 检查 / 序列</translation>
    </message>
    <message>
        <source>ID / No.</source>
        <translation>ID / 编号</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
</context>
<context>
    <name>fw::ui::VolumeSelector</name>
    <message>
        <source>Volume</source>
        <translation>容积</translation>
    </message>
    <message>
        <source>Volume of the series shown (Ctrl+Left/Right or [ and ])</source>
        <translation>显示的序列容积（Ctrl+左/右 或 [ 和 ]）</translation>
    </message>
    <message>
        <source>/ %1</source>
        <translation>/ %1</translation>
    </message>
    <message>
        <source>Volume %1 / %2</source>
        <translation>容积 %1 / %2</translation>
    </message>
</context>
<context>
    <name>fw::ui::VolumeView</name>
    <message>
        <source>3D: luminance of a colour series</source>
        <translation>三维：彩色序列的亮度</translation>
    </message>
</context>
</TS>
